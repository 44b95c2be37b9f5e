import { describe, expect, it } from 'vitest';
import { BottomAnchor, distanceFromBottom, NEAR_BOTTOM, type Scroller } from './anchor.svelte';

/** A scroller whose sizes the test sets; scrollTop is clamped like a browser's. */
function scroller(scrollHeight: number, clientHeight: number) {
  let top = 0;
  const el = {
    scrollHeight,
    clientHeight,
    get scrollTop() {
      return top;
    },
    set scrollTop(v: number) {
      top = Math.max(0, Math.min(v, el.scrollHeight - el.clientHeight));
    },
  } satisfies Scroller;
  return el;
}

describe('BottomAnchor', () => {
  it('stays at the newest message when the window gets shorter while at the bottom', () => {
    const el = scroller(2000, 600);
    const anchor = new BottomAnchor(() => el);
    anchor.pin();
    expect(distanceFromBottom(el)).toBe(0);
    // Shorter window: no scroll event, the bottom just moves out of view…
    el.clientHeight = 400;
    expect(distanceFromBottom(el)).toBe(200);
    anchor.resized();
    expect(distanceFromBottom(el)).toBe(0);
    expect(anchor.atBottom).toBe(true);
  });

  it('stays at the bottom when the content grows (a taller composer, a long message)', () => {
    const el = scroller(2000, 600);
    const anchor = new BottomAnchor(() => el);
    anchor.pin();
    el.scrollHeight = 2300;
    anchor.resized();
    expect(el.scrollTop).toBe(1700);
  });

  it('leaves the position alone when the user scrolled up, and counts what arrives below', () => {
    const el = scroller(2000, 600);
    const anchor = new BottomAnchor(() => el);
    anchor.pin();
    el.scrollTop = 500;
    anchor.scrolled();
    expect(anchor.atBottom).toBe(false);
    el.clientHeight = 400;
    anchor.resized();
    expect(el.scrollTop).toBe(500);
    anchor.arrived(2);
    anchor.arrived(1);
    expect(anchor.unseen).toBe(3);
    // Back at the bottom: nothing unseen any more.
    el.scrollTop = el.scrollHeight - el.clientHeight - (NEAR_BOTTOM - 1);
    anchor.scrolled();
    expect(anchor.atBottom).toBe(true);
    expect(anchor.unseen).toBe(0);
  });

  it('stays pinned through the scroll event a growing composer causes before the resize callback', () => {
    const el = scroller(2000, 600);
    const anchor = new BottomAnchor(() => el);
    anchor.pin();
    // The textarea collapses for a moment (the list grows, the offset is clamped)…
    el.clientHeight = 640;
    el.scrollTop = el.scrollTop;
    // …then takes its new height: the scroll event is delivered with the list already shorter.
    el.clientHeight = 520;
    anchor.scrolled();
    expect(anchor.atBottom).toBe(true);
    expect(distanceFromBottom(el)).toBe(0);
    // A scroll without any size change is the user's.
    el.scrollTop = 1000;
    anchor.scrolled();
    expect(anchor.atBottom).toBe(false);
  });

  it('does not count arrivals while at the bottom', () => {
    const el = scroller(2000, 600);
    const anchor = new BottomAnchor(() => el);
    anchor.pin();
    anchor.arrived(4);
    expect(anchor.unseen).toBe(0);
  });
});
