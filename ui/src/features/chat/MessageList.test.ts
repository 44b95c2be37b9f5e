// The message list in the DOM with a ResizeObserver the test drives (jsdom has none and no layout).
import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Message } from '$lib/ipc/types';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  history: vi.fn(),
  markRead: vi.fn(() => Promise.resolve()),
}));

import * as ipc from '$lib/ipc/commands';
import { setLocale } from '../../i18n';
import Announcer from '$lib/a11y/Announcer.svelte';
import { clearAnnouncement } from '$lib/a11y/announce.svelte';
import MessageList from './MessageList.svelte';
import { ChatStore } from './store.svelte';

const ME = 'me@example.org';
const PEER = 'alice@example.org';
let id = 1;
const msg = (direction: 'in' | 'out', state: Message['state'] = direction === 'in' ? 'received' : 'sent'): Message => {
  const at = 1_700_000_000_000 + id * 1000;
  return { id: id++, account: ME, peer: PEER, direction, body: `m${id}`, sentAt: at, receivedAt: at, originId: null, stanzaId: null, state, error: null };
};

const observers: FakeResizeObserver[] = [];
class FakeResizeObserver {
  targets: Element[] = [];
  constructor(readonly callback: () => void) {
    observers.push(this);
  }
  observe(el: Element) {
    this.targets.push(el);
  }
  disconnect() {
    this.targets = [];
  }
  unobserve() {}
}
const resize = () => {
  for (const o of observers) if (o.targets.length > 0) o.callback();
};

/** Gives the scroller sizes and a browser-like scrollTop. */
function layout(el: HTMLElement, sizes: { scrollHeight: number; clientHeight: number }) {
  let top = 0;
  Object.defineProperty(el, 'scrollHeight', { configurable: true, get: () => sizes.scrollHeight });
  Object.defineProperty(el, 'clientHeight', { configurable: true, get: () => sizes.clientHeight });
  Object.defineProperty(el, 'scrollTop', {
    configurable: true,
    get: () => top,
    set: (v: number) => (top = Math.max(0, Math.min(v, sizes.scrollHeight - sizes.clientHeight))),
  });
  return sizes;
}

async function setup() {
  const chat = new ChatStore();
  chat.isWindowVisible = () => true;
  chat.reset(ME);
  const first = Array.from({ length: 10 }, (_, i) => msg(i % 2 ? 'out' : 'in'));
  vi.mocked(ipc.history).mockResolvedValue(first);
  // Shorter than a page: nothing older to load.
  await chat.open(PEER);
  const thread = chat.threads[PEER];
  if (!thread) throw new Error('no thread');
  render(MessageList, { thread, peerName: 'Alice', onLoadOlder: () => Promise.resolve(0) });
  const scroller = screen.getByTestId('message-list');
  const sizes = layout(scroller, { scrollHeight: 3000, clientHeight: 600 });
  scroller.scrollTop = 3000;
  await fireEvent.scroll(scroller);
  return { chat, scroller, sizes };
}

describe('MessageList anchoring', () => {
  beforeEach(() => {
    setLocale('en');
    observers.length = 0;
    vi.stubGlobal('ResizeObserver', FakeResizeObserver);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('watches both the scroller and its content', async () => {
    const { scroller } = await setup();
    const watched = observers.flatMap((o) => o.targets);
    expect(watched).toContain(scroller);
    expect(watched).toContain(scroller.firstElementChild);
  });

  it('stays at the bottom when the window gets shorter or the composer grows', async () => {
    const { scroller, sizes } = await setup();
    expect(scroller.scrollTop).toBe(2400);
    sizes.clientHeight = 380;
    resize();
    expect(scroller.scrollTop).toBe(3000 - 380);
    expect(screen.queryByTestId('jump-to-newest')).toBeNull();
  });

  it('when scrolled up: keeps the place, shows the jump button with the count of new messages, and jumps', async () => {
    const { chat, scroller, sizes } = await setup();
    scroller.scrollTop = 900;
    await fireEvent.scroll(scroller);
    const button = await screen.findByTestId('jump-to-newest');
    expect(button).toHaveAccessibleName('Jump to the newest message');
    expect(screen.queryByTestId('jump-count')).toBeNull();

    sizes.clientHeight = 400;
    resize();
    expect(scroller.scrollTop).toBe(900);

    chat.applyMessages([msg('in'), msg('in')]);
    sizes.scrollHeight = 3200;
    await tick();
    expect(screen.getByTestId('jump-count')).toHaveTextContent('2');
    expect(button).toHaveAccessibleName('Jump to the newest message (2 new)');
    expect(scroller.scrollTop).toBe(900);

    await fireEvent.click(button);
    expect(scroller.scrollTop).toBe(3200 - 400);
    await fireEvent.scroll(scroller);
    expect(screen.queryByTestId('jump-to-newest')).toBeNull();
  });

  it('follows new messages while at the bottom, counting none', async () => {
    const { chat, scroller, sizes } = await setup();
    chat.applyMessages([msg('in')]);
    sizes.scrollHeight = 3100;
    await tick();
    await tick();
    expect(scroller.scrollTop).toBe(3100 - 600);
    expect(screen.queryByTestId('jump-to-newest')).toBeNull();
  });

  it('says the count in Chinese', async () => {
    setLocale('zh-CN');
    const { chat, scroller } = await setup();
    scroller.scrollTop = 100;
    await fireEvent.scroll(scroller);
    chat.applyMessages([msg('in')]);
    await tick();
    expect(screen.getByTestId('jump-to-newest')).toHaveAccessibleName('跳到最新消息（1 条新消息）');
  });
});

describe('MessageList for screen readers', () => {
  beforeEach(() => {
    setLocale('en');
    clearAnnouncement();
    observers.length = 0;
    vi.stubGlobal('ResizeObserver', FakeResizeObserver);
  });
  afterEach(() => vi.unstubAllGlobals());

  const spoken = () => (screen.getByTestId('announcer').textContent ?? '').replace(/\u200b/g, '').trim();

  it('puts author and time before each message, and the visible time is not read twice', async () => {
    await setup();
    const bubbles = screen.getAllByTestId('message');
    const first = bubbles[0] as HTMLElement;
    const second = bubbles[1] as HTMLElement;
    const at = (el: HTMLElement) => el.querySelector('time')?.textContent ?? '';
    expect(first).toHaveAttribute('data-direction', 'in');
    expect(first.querySelector('[data-testid="message-byline"]')).toHaveTextContent(`Alice, ${at(first)}:`);
    expect(second.querySelector('[data-testid="message-byline"]')).toHaveTextContent(`You, ${at(second)}:`);
    expect(first.querySelector('[data-testid="message-byline"]')).toHaveClass('visually-hidden');
    expect(first.querySelector('time')).toHaveAttribute('aria-hidden', 'true');
    // Read in order: who and when, then the text.
    expect(first.textContent?.trim().startsWith(`Alice, ${at(first)}: m`)).toBe(true);
  });

  it('is a named, focusable region, not a live one', async () => {
    const { scroller } = await setup();
    expect(scroller).toHaveAttribute('role', 'region');
    expect(scroller).toHaveAccessibleName('Messages with Alice');
    expect(scroller).toHaveAttribute('tabindex', '0');
    expect(scroller).not.toHaveAttribute('aria-live');
    expect(document.querySelectorAll('[aria-live]').length).toBe(0);
  });

  it('reads a new incoming message out once through the announcer, and not the first page', async () => {
    render(Announcer);
    const { chat } = await setup();
    expect(spoken()).toBe('');
    const region = screen.getByTestId('announcer');
    expect(region).toHaveAttribute('aria-live', 'polite');

    const incoming = { ...msg('in'), body: 'Are you there?' };
    chat.applyMessages([incoming]);
    await tick();
    expect(spoken()).toBe('Alice: Are you there?');

    // The same message again (a state update, a second delivery) is not news.
    chat.applyMessages([incoming]);
    await tick();
    expect(spoken()).toBe('Alice: Are you there?');
    const before = region.textContent;
    chat.applyUpdate({ ...incoming });
    await tick();
    expect(region.textContent).toBe(before);

    // What I send myself is not read back to me.
    chat.applyMessages([{ ...msg('out'), body: 'Yes' }]);
    await tick();
    expect(spoken()).toBe('Alice: Are you there?');

    // The same words once more are read once more.
    chat.applyMessages([{ ...msg('in'), body: 'Are you there?' }]);
    await tick();
    expect(region.textContent).not.toBe(before);
    expect(spoken()).toBe('Alice: Are you there?');
  });

  it('says nothing when an older page of history loads', async () => {
    render(Announcer);
    const chat = new ChatStore();
    chat.isWindowVisible = () => true;
    chat.reset(ME);
    const newest = Array.from({ length: 50 }, () => msg('in'));
    vi.mocked(ipc.history).mockResolvedValueOnce(newest);
    await chat.open(PEER);
    const thread = chat.threads[PEER];
    if (!thread) throw new Error('no thread');
    render(MessageList, { thread, peerName: 'Alice', onLoadOlder: () => chat.loadOlder(PEER) });
    const older: Message[] = Array.from({ length: 5 }, (_, i) => ({
      ...msg('in'),
      id: 10_000 + i,
      sentAt: 1_600_000_000_000 + i * 1000,
      body: `old ${i}`,
    }));
    vi.mocked(ipc.history).mockResolvedValueOnce(older);
    await chat.loadOlder(PEER);
    await tick();
    expect(screen.getByText('old 0')).toBeInTheDocument();
    expect(spoken()).toBe('');
  });

  it('jumps to the newest message without gliding when the OS asks for less motion', async () => {
    const { scroller } = await setup();
    scroller.scrollTop = 100;
    await fireEvent.scroll(scroller);
    const scrollTo = vi.fn();
    Object.defineProperty(scroller, 'scrollTo', { configurable: true, value: scrollTo });
    vi.stubGlobal('matchMedia', (query: string) => ({ matches: query.includes('reduce'), media: query }));
    await fireEvent.click(screen.getByTestId('jump-to-newest'));
    expect(scrollTo).toHaveBeenLastCalledWith({ top: 3000, behavior: 'auto' });
    vi.stubGlobal('matchMedia', (query: string) => ({ matches: false, media: query }));
    await fireEvent.click(screen.getByTestId('jump-to-newest'));
    expect(scrollTo).toHaveBeenLastCalledWith({ top: 3000, behavior: 'smooth' });
  });

  it('reads the author in Traditional Chinese', async () => {
    setLocale('zh-TW');
    render(Announcer);
    const { chat } = await setup();
    chat.applyMessages([{ ...msg('in'), body: '在嗎？' }]);
    await tick();
    expect(spoken()).toBe('Alice：在嗎？');
    expect(screen.getAllByTestId('message-byline')[1]).toHaveTextContent(/^我，\d\d:\d\d：$/);
  });
});
