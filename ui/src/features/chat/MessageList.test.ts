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
  render(MessageList, { thread, onLoadOlder: () => Promise.resolve(0) });
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
