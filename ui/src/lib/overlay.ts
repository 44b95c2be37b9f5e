// Menus and dialogs open right now, innermost last. Tooltips hide when one opens and never show
// over a menu; typing-to-compose leaves the keyboard to them.

export type OverlayKind = 'menu' | 'dialog';

type Entry = { kind: OverlayKind; element: HTMLElement | null };

const stack: Entry[] = [];
const openListeners = new Set<() => void>();

/** Records an open menu or dialog; call the returned function when it closes. */
export function openOverlay(kind: OverlayKind, element: HTMLElement | null): () => void {
  const entry: Entry = { kind, element };
  stack.push(entry);
  for (const listener of [...openListeners]) listener();
  return () => {
    const i = stack.indexOf(entry);
    if (i >= 0) stack.splice(i, 1);
  };
}

/** Whether a menu or dialog (of `kind`, when given) is open. */
export function overlayOpen(kind?: OverlayKind): boolean {
  return stack.some((e) => (kind ? e.kind === kind : true));
}

/** The innermost open dialog's element, if any. */
export function topDialog(): HTMLElement | null {
  for (let i = stack.length - 1; i >= 0; i--) {
    const e = stack[i];
    if (e?.kind === 'dialog') return e.element;
  }
  return null;
}

/** Calls `listener` each time a menu or dialog opens. */
export function onOverlayOpen(listener: () => void): () => void {
  openListeners.add(listener);
  return () => openListeners.delete(listener);
}
