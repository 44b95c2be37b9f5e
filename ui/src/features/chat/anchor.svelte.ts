// Keeps the message list at its newest message while the user reads there: when the window gets
// shorter, the composer grows or a message arrives, the bottom stays in view. Scrolled up, the
// position is the user's; messages arriving below are counted for the "jump to newest" button.

/** What the anchor needs from the scrolling element (a plain HTMLElement in the app). */
export type Scroller = { scrollTop: number; readonly scrollHeight: number; readonly clientHeight: number };

/** Counts as "at the bottom" within this distance (px). */
export const NEAR_BOTTOM = 48;

export function distanceFromBottom(el: Scroller): number {
  return el.scrollHeight - el.scrollTop - el.clientHeight;
}

export class BottomAnchor {
  /** The user is reading the newest messages. */
  atBottom = $state(true);
  /** Messages that arrived below while the user was scrolled up. */
  unseen = $state(0);
  /** Sizes at the last look, to tell a scroll caused by layout from one made by the user. */
  private seen = { scrollHeight: -1, clientHeight: -1 };

  constructor(
    private readonly el: () => Scroller | undefined,
    private readonly threshold = NEAR_BOTTOM,
  ) {}

  /**
   * After a scroll event: where are we now? A scroll that comes with a size change while at the
   * bottom is the browser clamping the offset during a layout change (the composer growing goes
   * through a moment of collapse, and that scroll event arrives before the resize callback); it is
   * not the user leaving the bottom.
   */
  scrolled(): void {
    const el = this.el();
    if (!el) return;
    const resized = el.scrollHeight !== this.seen.scrollHeight || el.clientHeight !== this.seen.clientHeight;
    if (resized && this.atBottom && this.seen.scrollHeight >= 0) {
      this.pin();
      return;
    }
    this.note(el);
    this.atBottom = distanceFromBottom(el) < this.threshold;
    if (this.atBottom) this.unseen = 0;
  }

  /**
   * The scroller or its content changed size. Uses the position from before the change: a shorter
   * window moves the bottom out of view without any scroll event, and that must not count as the
   * user scrolling away.
   */
  resized(): void {
    if (this.atBottom) this.pin();
    else {
      const el = this.el();
      if (el) this.note(el);
    }
  }

  /** Scrolls to the newest message at once. */
  pin(): void {
    const el = this.el();
    if (el) {
      el.scrollTop = el.scrollHeight;
      this.note(el);
    }
    this.atBottom = true;
    this.unseen = 0;
  }

  private note(el: Scroller): void {
    this.seen = { scrollHeight: el.scrollHeight, clientHeight: el.clientHeight };
  }

  /** `count` new messages were added below: counted unless the user is at the bottom. */
  arrived(count: number): void {
    if (!this.atBottom && count > 0) this.unseen += count;
  }
}

/** Calls `onResize` whenever any of `elements` changes size (nothing where ResizeObserver is missing). */
export function observeSizes(elements: Element[], onResize: () => void): () => void {
  if (typeof ResizeObserver === 'undefined') return () => {};
  const observer = new ResizeObserver(() => onResize());
  for (const el of elements) observer.observe(el);
  return () => observer.disconnect();
}
