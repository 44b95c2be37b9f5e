// Typing anywhere in the chat view writes in the composer, as in other desktop chat apps: a
// printable key pressed while nothing else takes text moves the focus to the composer before the
// browser inserts the character, so the character (and the keys after it) land there.
import { overlayOpen } from '$lib/overlay';

/** Elements that take typed text themselves (or own the keys, like a listbox). */
export function takesKeys(el: Element | null): boolean {
  if (!el || el === document.body || el === document.documentElement) return false;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) {
    return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image'].includes(el.type);
  }
  if (el instanceof HTMLElement && el.isContentEditable) return true;
  return el.closest('[role="dialog"], [role="alertdialog"], [role="menu"], [role="listbox"], [role="combobox"]') !== null;
}

/** Whether this keydown should go to the composer instead of where the focus is. */
export function redirectsToComposer(event: KeyboardEvent, focused: Element | null): boolean {
  if (event.defaultPrevented) return false;
  // Mid-composition (Chinese, Japanese input methods): the input method owns the keys.
  if (event.isComposing || event.keyCode === 229) return false;
  // Shortcuts. AltGr arrives as Ctrl+Alt on Windows and still types a character.
  if (event.metaKey || (event.ctrlKey && !event.altKey)) return false;
  // One character (an astral emoji is two UTF-16 units); named keys (Enter, Tab, F5…) are longer.
  if ([...event.key].length !== 1) return false;
  if (takesKeys(focused)) return false;
  if (overlayOpen()) return false;
  // Space on a focused button or link presses it.
  if (event.key === ' ' && focused && focused !== document.body) return false;
  return true;
}
