import { fireEvent, render, screen } from '@testing-library/svelte';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openOverlay } from '../overlay';
import { hideTooltip, placeTooltip, SHOW_DELAY, TOOLTIP_ID, tooltip } from './tooltip';

function target(text: string, attrs: Record<string, string> = {}, parent: HTMLElement = document.body) {
  const el = document.createElement('button');
  el.textContent = 'x';
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  parent.appendChild(el);
  const action = tooltip(el, text);
  return { el, action };
}

const tip = () => document.getElementById(TOOLTIP_ID);
const visible = () => {
  const t = tip();
  return t !== null && !t.hidden ? t : null;
};
const hover = async (el: HTMLElement) => {
  await fireEvent.pointerEnter(el, { pointerType: 'mouse' });
  vi.advanceTimersByTime(SHOW_DELAY);
};

describe('tooltip', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    hideTooltip();
    vi.useRealTimers();
    document.body.innerHTML = '';
  });

  it('shows after a hover of about half a second, themed by the app, and hides on leave', async () => {
    const { el } = target('Open settings');
    await fireEvent.pointerEnter(el, { pointerType: 'mouse' });
    vi.advanceTimersByTime(SHOW_DELAY - 100);
    expect(visible()).toBeNull();
    vi.advanceTimersByTime(100);
    expect(visible()).toHaveTextContent('Open settings');
    expect(visible()).toHaveAttribute('role', 'tooltip');
    expect(visible()).toHaveClass('hy-tooltip');
    expect(el).toHaveAttribute('aria-describedby', TOOLTIP_ID);
    await fireEvent.pointerLeave(el);
    expect(visible()).toBeNull();
    expect(el).not.toHaveAttribute('aria-describedby');
  });

  it('shows at once on keyboard focus, not on a focus that came from a click', async () => {
    const { el } = target('Send');
    await fireEvent.keyDown(window, { key: 'Tab' });
    el.focus();
    expect(visible()).toHaveTextContent('Send');
    el.blur();
    expect(visible()).toBeNull();
    await fireEvent.pointerDown(window);
    el.focus();
    expect(visible()).toBeNull();
  });

  it('hides on a press, on Escape and on scrolling, and a press keeps it away until the pointer leaves', async () => {
    const { el } = target('Add a contact');
    await hover(el);
    await fireEvent.pointerDown(el);
    expect(visible()).toBeNull();
    vi.advanceTimersByTime(SHOW_DELAY * 2);
    expect(visible()).toBeNull();
    await fireEvent.pointerLeave(el);
    await hover(el);
    expect(visible()).not.toBeNull();
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(visible()).toBeNull();
    await hover(el);
    const list = document.createElement('div');
    document.body.appendChild(list);
    await fireEvent.scroll(list);
    expect(visible()).toBeNull();
  });

  it('goes away with its element', async () => {
    const { el, action } = target('Clear search');
    await hover(el);
    expect(visible()).not.toBeNull();
    el.remove();
    action.destroy();
    expect(visible()).toBeNull();
    // A pending hover of a removed element never shows.
    const other = target('Later');
    await fireEvent.pointerEnter(other.el, { pointerType: 'mouse' });
    other.el.remove();
    vi.advanceTimersByTime(SHOW_DELAY);
    expect(visible()).toBeNull();
  });

  it('hides when a menu or dialog opens, never shows over an open menu, and in a dialog only for its own elements', async () => {
    const { el } = target('Change your presence');
    await hover(el);
    const closeMenu = openOverlay('menu', document.createElement('div'));
    expect(visible()).toBeNull();
    await fireEvent.pointerLeave(el);
    await hover(el);
    expect(visible()).toBeNull();
    closeMenu();

    const dialog = document.createElement('div');
    document.body.appendChild(dialog);
    const inside = target('Close', {}, dialog);
    await hover(el);
    expect(visible()).toHaveTextContent('Change your presence');
    const closeDialog = openOverlay('dialog', dialog);
    expect(visible()).toBeNull();
    await fireEvent.pointerLeave(el);
    await hover(el);
    expect(visible()).toBeNull();
    await hover(inside.el);
    expect(visible()).toHaveTextContent('Close');
    closeDialog();
  });

  it('does not describe an element with the same words as its label', async () => {
    const { el } = target('Settings', { 'aria-label': 'Settings', 'aria-describedby': 'other' });
    await hover(el);
    expect(visible()).toHaveTextContent('Settings');
    expect(el).toHaveAttribute('aria-describedby', 'other');
  });

  it('follows a changed text and hides when it becomes empty', async () => {
    const { el, action } = target('Show password');
    await hover(el);
    action.update('Hide password');
    expect(visible()).toHaveTextContent('Hide password');
    action.update('');
    expect(visible()).toBeNull();
  });

  it('with overflowOnly shows only for text cut off by an ellipsis', async () => {
    const el = document.createElement('span');
    document.body.appendChild(el);
    tooltip(el, { text: 'a.very.long.address@example.org', overflowOnly: true });
    await hover(el);
    expect(visible()).toBeNull();
    Object.defineProperty(el, 'scrollWidth', { value: 300 });
    Object.defineProperty(el, 'clientWidth', { value: 120 });
    await fireEvent.pointerLeave(el);
    await hover(el);
    expect(visible()).toHaveTextContent('a.very.long.address@example.org');
  });
});

describe('placeTooltip', () => {
  const viewport = { width: 1100, height: 720 };
  it('centres below the element', () => {
    expect(placeTooltip({ top: 100, bottom: 130, left: 200, right: 240 }, { width: 80, height: 24 }, viewport)).toEqual({
      left: 180,
      top: 136,
      side: 'below',
    });
  });
  it('goes above when there is no room below, and stays inside the window sideways', () => {
    const p = placeTooltip({ top: 690, bottom: 715, left: 1080, right: 1098 }, { width: 120, height: 24 }, viewport);
    expect(p.side).toBe('above');
    expect(p.top).toBe(690 - 6 - 24);
    expect(p.left).toBe(1100 - 6 - 120);
    expect(placeTooltip({ top: 10, bottom: 30, left: 0, right: 10 }, { width: 120, height: 24 }, viewport).left).toBe(6);
  });
});

describe('the app uses its own tooltips', () => {
  function svelteFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return svelteFiles(path);
      return name.endsWith('.svelte') ? [path] : [];
    });
  }

  it('has no title= tooltip left in any component', () => {
    const root = join(__dirname, '..', '..');
    const offenders = svelteFiles(root).filter((file) => /\stitle=/.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('renders the tooltip for a component through the action', async () => {
    vi.useFakeTimers();
    const { default: PresenceDot } = await import('./PresenceDot.svelte');
    render(PresenceDot, { show: 'away' });
    const dot = screen.getByTestId('presence-dot');
    expect(dot).not.toHaveAttribute('title');
    await hover(dot);
    expect(visible()).toHaveTextContent('Away');
    hideTooltip();
    vi.useRealTimers();
  });
});
