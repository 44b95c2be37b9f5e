// What a right-click gets in Hongyan. The webview's own menu (Back, Reload, Inspect Element) is
// for developers: release builds never show it. Text fields get our Cut/Copy/Paste/Select all,
// selected text gets Copy, a link gets Copy link address; anywhere else nothing opens.

export type MenuItemId = 'cut' | 'copy' | 'paste' | 'selectAll' | 'copyLink';
export type MenuItem = { id: MenuItemId; enabled: boolean };

/** An input or textarea that takes typed text. */
export type TextControl = HTMLInputElement | HTMLTextAreaElement;

export type Plan =
  | { kind: 'native' }
  | { kind: 'none' }
  | {
      kind: 'menu';
      items: MenuItem[];
      /** The text field the menu edits, if any. */
      field: TextControl | HTMLElement | null;
      /** The selected text at the moment of the click. */
      selection: string;
      href: string | null;
    };

const TEXT_INPUT_TYPES = new Set(['', 'text', 'search', 'password', 'email', 'url', 'tel', 'number']);

export function isTextControl(el: Element | null): el is TextControl {
  if (el instanceof HTMLTextAreaElement) return true;
  return el instanceof HTMLInputElement && TEXT_INPUT_TYPES.has((el.getAttribute('type') ?? '').toLowerCase());
}

/** The text field `target` is in: an input, a textarea or contenteditable content. */
export function editableAt(target: EventTarget | null): TextControl | HTMLElement | null {
  if (!(target instanceof Element)) return null;
  if (isTextControl(target)) return target;
  const editable = target.closest<HTMLElement>('[contenteditable]:not([contenteditable="false"])');
  return editable?.isContentEditable ? editable : null;
}

/** [start, end] of the selection in an input or textarea (null where the type has none, e.g. email). */
export function controlSelection(field: TextControl): [number, number] | null {
  try {
    const start = field.selectionStart;
    const end = field.selectionEnd;
    return start === null || end === null ? null : [start, end];
  } catch {
    return null;
  }
}

export type PlanInput = {
  target: EventTarget | null;
  /** The document selection's text (window.getSelection()). */
  selection: string;
  /** Development build: the webview's menu stays available. */
  dev: boolean;
  /** Shift held: in development builds that asks for the webview's menu even on a field. */
  shiftKey: boolean;
  /** navigator.clipboard.readText exists and has not been refused. */
  canReadClipboard: boolean;
};

export function planContextMenu(input: PlanInput): Plan {
  if (input.dev && input.shiftKey) return { kind: 'native' };
  const field = editableAt(input.target);
  if (field) {
    // Without a clipboard we can read, Paste would not work from our menu: the webview's
    // own menu for the field does.
    if (!input.canReadClipboard) return { kind: 'native' };
    return { kind: 'menu', ...fieldItems(field, input.selection), field, href: null };
  }
  const link = input.target instanceof Element ? input.target.closest<HTMLAnchorElement>('a[href]') : null;
  const selection = input.selection;
  const items: MenuItem[] = [];
  if (selection.trim() !== '') items.push({ id: 'copy', enabled: true });
  if (link) items.push({ id: 'copyLink', enabled: true });
  if (items.length > 0) return { kind: 'menu', items, field: null, selection, href: link?.href ?? null };
  return input.dev ? { kind: 'native' } : { kind: 'none' };
}

function fieldItems(field: TextControl | HTMLElement, documentSelection: string): { items: MenuItem[]; selection: string } {
  if (isTextControl(field)) {
    const range = controlSelection(field);
    const selected = range ? field.value.slice(range[0], range[1]) : '';
    const secret = field instanceof HTMLInputElement && field.type === 'password';
    const writable = !field.readOnly && !field.disabled;
    return {
      selection: selected,
      items: [
        { id: 'cut', enabled: selected !== '' && writable && !secret },
        { id: 'copy', enabled: selected !== '' && !secret },
        { id: 'paste', enabled: writable },
        { id: 'selectAll', enabled: field.value !== '' },
      ],
    };
  }
  const selected = documentSelection;
  return {
    selection: selected,
    items: [
      { id: 'cut', enabled: selected !== '' },
      { id: 'copy', enabled: selected !== '' },
      { id: 'paste', enabled: true },
      { id: 'selectAll', enabled: (field.textContent ?? '') !== '' },
    ],
  };
}

/** Top-left corner for a menu of `size` opened at (x, y): flipped and clamped to stay in the window. */
export function placeMenu(
  x: number,
  y: number,
  size: { width: number; height: number },
  viewport: { width: number; height: number },
  margin = 4,
): { left: number; top: number } {
  let left = x;
  let top = y;
  if (left + size.width > viewport.width - margin) left = x - size.width;
  if (top + size.height > viewport.height - margin) top = y - size.height;
  left = Math.min(Math.max(margin, left), Math.max(margin, viewport.width - margin - size.width));
  top = Math.min(Math.max(margin, top), Math.max(margin, viewport.height - margin - size.height));
  return { left: Math.round(left), top: Math.round(top) };
}
