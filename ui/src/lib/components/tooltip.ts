// Hongyan's own tooltips, in place of the webview's `title` tooltips (which cover the menus they
// describe, stay over dialogs and outlive their elements). One tooltip element serves the whole
// window; `use:tooltip={text}` makes an element show it:
//   - after a short hover with a mouse or pen, or at once on keyboard focus;
//   - hidden on pointer leave, any press, Escape, scrolling, window blur or resize, when the
//     element goes away, and when a menu or dialog opens;
//   - never while a menu is open (so it cannot cover one), and inside an open dialog only for
//     elements of that dialog;
//   - exposed to assistive technology through aria-describedby while shown, unless it only
//     repeats the element's aria-label.
import { onOverlayOpen, overlayOpen, topDialog } from '../overlay';

export type TooltipOptions = {
  text: string | null | undefined;
  /** Only when the element's text is cut off (an ellipsis): the tooltip then shows all of it. */
  overflowOnly?: boolean;
};
export type TooltipParam = string | null | undefined | TooltipOptions;

export const TOOLTIP_ID = 'hy-tooltip';
/** Hover time before the tooltip shows (ms). */
export const SHOW_DELAY = 500;
const GAP = 6;
const MARGIN = 6;

type Rect = { top: number; bottom: number; left: number; right: number };
type Size = { width: number; height: number };

/**
 * Where the tooltip goes: centred below the element, above it when there is no room below,
 * always inside the window.
 */
export function placeTooltip(anchor: Rect, size: Size, viewport: Size): { left: number; top: number; side: 'below' | 'above' } {
  const below = anchor.bottom + GAP;
  const above = anchor.top - GAP - size.height;
  const fitsBelow = below + size.height <= viewport.height - MARGIN;
  const side = fitsBelow || above < MARGIN ? 'below' : 'above';
  const top = side === 'below' ? Math.min(below, Math.max(MARGIN, viewport.height - MARGIN - size.height)) : above;
  const centre = (anchor.left + anchor.right) / 2;
  const maxLeft = Math.max(MARGIN, viewport.width - MARGIN - size.width);
  const left = Math.min(Math.max(MARGIN, centre - size.width / 2), maxLeft);
  return { left: Math.round(left), top: Math.round(top), side };
}

let tip: HTMLDivElement | null = null;
let owner: HTMLElement | null = null;
/** The owner's aria-describedby before the tooltip was added to it. */
let ownerDescribedBy: string | null = null;
/** The last interaction was the keyboard: focus then shows the tooltip at once. */
let keyboard = false;
let installed = false;

function tipElement(): HTMLDivElement {
  if (tip && tip.isConnected) return tip;
  tip = document.createElement('div');
  tip.id = TOOLTIP_ID;
  tip.className = 'hy-tooltip';
  tip.setAttribute('role', 'tooltip');
  tip.hidden = true;
  document.body.appendChild(tip);
  return tip;
}

/** Hides the tooltip, whoever owns it. */
export function hideTooltip(): void {
  if (owner) {
    if (ownerDescribedBy === null) owner.removeAttribute('aria-describedby');
    else owner.setAttribute('aria-describedby', ownerDescribedBy);
  }
  owner = null;
  ownerDescribedBy = null;
  if (tip) {
    tip.hidden = true;
    tip.textContent = '';
  }
}

function install(): void {
  if (installed || typeof window === 'undefined') return;
  installed = true;
  window.addEventListener(
    'keydown',
    (e) => {
      keyboard = true;
      if (e.key === 'Escape') hideTooltip();
    },
    true,
  );
  window.addEventListener(
    'pointerdown',
    () => {
      keyboard = false;
      hideTooltip();
    },
    true,
  );
  // Capture sees scrolling of any element, not only the window.
  window.addEventListener('scroll', hideTooltip, true);
  window.addEventListener('wheel', hideTooltip, { capture: true, passive: true });
  window.addEventListener('blur', hideTooltip);
  window.addEventListener('resize', hideTooltip);
  onOverlayOpen(hideTooltip);
}

function normalize(param: TooltipParam): TooltipOptions {
  return typeof param === 'object' && param !== null ? param : { text: param };
}

function allowed(node: HTMLElement, options: TooltipOptions): boolean {
  if (!options.text || !node.isConnected) return false;
  if (overlayOpen('menu')) return false;
  const dialog = topDialog();
  if (dialog && !dialog.contains(node)) return false;
  if (options.overflowOnly && node.scrollWidth <= node.clientWidth && node.scrollHeight <= node.clientHeight) {
    return false;
  }
  return true;
}

function position(node: HTMLElement, el: HTMLDivElement): void {
  const anchor = node.getBoundingClientRect();
  const box = el.getBoundingClientRect();
  const place = placeTooltip(anchor, { width: box.width, height: box.height }, {
    width: window.innerWidth,
    height: window.innerHeight,
  });
  el.style.left = `${place.left}px`;
  el.style.top = `${place.top}px`;
  el.dataset.side = place.side;
}

function show(node: HTMLElement, options: TooltipOptions): void {
  if (!allowed(node, options)) return;
  if (owner && owner !== node) hideTooltip();
  const el = tipElement();
  el.textContent = options.text ?? '';
  el.hidden = false;
  if (owner !== node) {
    owner = node;
    ownerDescribedBy = node.getAttribute('aria-describedby');
    if (options.text !== node.getAttribute('aria-label')) {
      node.setAttribute('aria-describedby', ownerDescribedBy ? `${ownerDescribedBy} ${TOOLTIP_ID}` : TOOLTIP_ID);
    }
  }
  position(node, el);
}

/** Svelte action: `use:tooltip={text}` or `use:tooltip={{ text, overflowOnly: true }}`. */
export function tooltip(node: HTMLElement, param: TooltipParam): { update: (p: TooltipParam) => void; destroy: () => void } {
  install();
  let options = normalize(param);
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Pressed since the pointer came in: stay hidden until it leaves. */
  let pressed = false;

  const cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const onEnter = (e: PointerEvent) => {
    if (e.pointerType === 'touch' || pressed) return;
    cancel();
    timer = setTimeout(() => {
      timer = undefined;
      show(node, options);
    }, SHOW_DELAY);
  };
  const onLeave = () => {
    cancel();
    pressed = false;
    if (owner === node) hideTooltip();
  };
  const onDown = () => {
    cancel();
    pressed = true;
    if (owner === node) hideTooltip();
  };
  const onFocus = () => {
    if (keyboard) show(node, options);
  };
  const onBlur = () => {
    cancel();
    if (owner === node) hideTooltip();
  };

  node.addEventListener('pointerenter', onEnter);
  node.addEventListener('pointerleave', onLeave);
  node.addEventListener('pointerdown', onDown);
  node.addEventListener('focus', onFocus);
  node.addEventListener('blur', onBlur);

  return {
    update(next: TooltipParam) {
      options = normalize(next);
      if (owner !== node) return;
      if (!options.text) hideTooltip();
      else show(node, options);
    },
    destroy() {
      cancel();
      node.removeEventListener('pointerenter', onEnter);
      node.removeEventListener('pointerleave', onLeave);
      node.removeEventListener('pointerdown', onDown);
      node.removeEventListener('focus', onFocus);
      node.removeEventListener('blur', onBlur);
      if (owner === node) hideTooltip();
    },
  };
}
