// The clipboard and editing steps behind the context menu's items.
import { isTextControl, type TextControl } from './plan';

/** Puts `text` on the clipboard; resolves false when neither way of writing it worked. */
export async function writeClipboard(text: string): Promise<boolean> {
  try {
    if (typeof navigator !== 'undefined' && navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Fall through to the older way below.
  }
  if (typeof document.execCommand !== 'function') return false;
  const scratch = document.createElement('textarea');
  scratch.value = text;
  scratch.setAttribute('readonly', '');
  scratch.style.position = 'fixed';
  scratch.style.opacity = '0';
  document.body.appendChild(scratch);
  const previous = document.activeElement as HTMLElement | null;
  scratch.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } finally {
    scratch.remove();
    previous?.focus?.();
  }
  return ok;
}

/**
 * Replaces the field's selection (`range`, as it was when the menu opened) with `text`, the way
 * typing would: through the editing commands when the webview has them, so undo works and the
 * app hears an input event.
 */
export function replaceSelection(
  field: TextControl | HTMLElement,
  text: string,
  range: [number, number] | null,
  domRange: Range | null,
): void {
  field.focus();
  if (isTextControl(field)) {
    const [start, end] = range ?? [field.value.length, field.value.length];
    try {
      field.setSelectionRange(start, end);
    } catch {
      // Types without a selection (email, number): the text goes where the caret is.
    }
    if (runCommand(text === '' ? 'delete' : 'insertText', text)) return;
    try {
      field.setRangeText(text, start, end, 'end');
    } catch {
      field.value = field.value.slice(0, start) + text + field.value.slice(end);
    }
    field.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: text === '' ? 'deleteByCut' : 'insertFromPaste', data: text || null }));
    return;
  }
  restoreRange(domRange);
  if (runCommand(text === '' ? 'delete' : 'insertText', text)) return;
  const selection = window.getSelection();
  const r = selection && selection.rangeCount > 0 ? selection.getRangeAt(0) : null;
  if (!r) return;
  r.deleteContents();
  if (text) r.insertNode(document.createTextNode(text));
  field.dispatchEvent(new InputEvent('input', { bubbles: true }));
}

export function selectAll(field: TextControl | HTMLElement): void {
  field.focus();
  if (isTextControl(field)) {
    field.select();
    return;
  }
  const range = document.createRange();
  range.selectNodeContents(field);
  restoreRange(range);
}

/** Asks the webview itself to paste (works only where it lets pages read the clipboard). */
export function nativePaste(field: TextControl | HTMLElement, range: [number, number] | null, domRange: Range | null): boolean {
  field.focus();
  if (isTextControl(field) && range) {
    try {
      field.setSelectionRange(range[0], range[1]);
    } catch {
      // See replaceSelection.
    }
  } else {
    restoreRange(domRange);
  }
  return runCommand('paste');
}

function restoreRange(range: Range | null): void {
  if (!range) return;
  const selection = window.getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
}

function runCommand(command: string, value?: string): boolean {
  if (typeof document.execCommand !== 'function') return false;
  try {
    return document.execCommand(command, false, value);
  } catch {
    return false;
  }
}
