import { fireEvent, render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Message } from '$lib/ipc/types';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  openLink: vi.fn(() => Promise.resolve()),
}));

import * as ipc from '$lib/ipc/commands';
import { openOverlay } from '$lib/overlay';
import { setLocale } from '../../i18n';
import ChatPane from './ChatPane.svelte';
import type { Thread } from './store.svelte';
import { redirectsToComposer } from './typeToCompose';

const PEER = 'alice@example.org';
const message = (body: string): Message => ({
  id: 1,
  account: 'me@example.org',
  peer: PEER,
  direction: 'in',
  body,
  sentAt: 1_700_000_000_000,
  receivedAt: 1_700_000_000_000,
  originId: null,
  stanzaId: null,
  state: 'received',
  error: null,
});

function setup() {
  const thread: Thread = {
    peer: PEER,
    messages: [message('read https://example.org/doc please')],
    cursor: null,
    loading: false,
    started: true,
    exhausted: true,
    error: null,
  };
  render(ChatPane, {
    peer: PEER,
    name: 'Alice',
    show: 'online',
    status: null,
    inRoster: true,
    thread,
    onLoadOlder: () => Promise.resolve(0),
    onSend: () => Promise.resolve(),
  });
  const composer = screen.getByTestId('composer');
  composer.blur();
  return { composer };
}

/** A keydown as the browser sends it to whatever has focus; returns whether it was cancelled. */
function press(init: KeyboardEventInit, on: Element = document.activeElement ?? document.body): boolean {
  const event = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init });
  on.dispatchEvent(event);
  return event.defaultPrevented;
}

describe('typing in the chat view', () => {
  beforeEach(() => setLocale('en'));

  it('gives the keyboard back to the composer after a link is clicked', async () => {
    const { composer } = setup();
    const link = screen.getByRole('link', { name: 'https://example.org/doc' });
    link.focus();
    await fireEvent.click(link);
    expect(ipc.openLink).toHaveBeenCalledWith('https://example.org/doc');
    expect(composer).toHaveFocus();
  });

  it('moves a printable key to the composer, leaving the character to the browser', () => {
    const { composer } = setup();
    expect(document.activeElement).toBe(document.body);
    const cancelled = press({ key: 'h' });
    expect(composer).toHaveFocus();
    // Not cancelled: the browser then types "h" into the focused composer.
    expect(cancelled).toBe(false);
  });

  it('does the same from a focused link or button, and for Chinese and emoji characters', () => {
    const { composer } = setup();
    screen.getByRole('link').focus();
    press({ key: '你' });
    expect(composer).toHaveFocus();
    composer.blur();
    press({ key: '😀' });
    expect(composer).toHaveFocus();
  });

  it('leaves input-method composition, shortcuts and named keys alone', () => {
    const { composer } = setup();
    for (const init of [
      { key: 'n', isComposing: true },
      { key: 'Process', keyCode: 229 },
      { key: 'n', keyCode: 229 },
      { key: 'c', ctrlKey: true },
      { key: 'v', metaKey: true },
      { key: 'Enter' },
      { key: 'Tab' },
      { key: 'ArrowUp' },
      { key: 'Shift' },
    ]) {
      press(init);
      expect(composer, JSON.stringify(init)).not.toHaveFocus();
    }
    // AltGr (Ctrl+Alt on Windows) types a character.
    press({ key: '@', ctrlKey: true, altKey: true });
    expect(composer).toHaveFocus();
  });

  it('does not take keys from another field, an open dialog or menu, or Space on a button', () => {
    const { composer } = setup();
    const search = document.createElement('input');
    document.body.appendChild(search);
    search.focus();
    press({ key: 'a' });
    expect(search).toHaveFocus();
    search.blur();

    const close = openOverlay('dialog', document.createElement('div'));
    press({ key: 'a' });
    expect(composer).not.toHaveFocus();
    close();

    const button = document.createElement('button');
    document.body.appendChild(button);
    button.focus();
    press({ key: ' ' });
    expect(button).toHaveFocus();
    search.remove();
    button.remove();
  });
});

describe('redirectsToComposer', () => {
  it('is false for a cancelled event', () => {
    const event = new KeyboardEvent('keydown', { key: 'a', cancelable: true });
    event.preventDefault();
    expect(redirectsToComposer(event, document.body)).toBe(false);
    expect(redirectsToComposer(new KeyboardEvent('keydown', { key: 'a' }), document.body)).toBe(true);
  });
  it('is false inside a listbox or menu widget', () => {
    const menu = document.createElement('div');
    menu.setAttribute('role', 'menu');
    const item = document.createElement('button');
    menu.appendChild(item);
    document.body.appendChild(menu);
    expect(redirectsToComposer(new KeyboardEvent('keydown', { key: 'a' }), item)).toBe(false);
    menu.remove();
  });
});
