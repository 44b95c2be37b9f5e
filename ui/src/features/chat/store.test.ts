import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { HistoryCursor, Message } from '$lib/ipc/types';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  history: vi.fn(),
  sendMessage: vi.fn(),
  markRead: vi.fn(() => Promise.resolve()),
}));

import * as ipc from '$lib/ipc/commands';
import { ChatStore, PAGE_SIZE, mergeMessages } from './store.svelte';

const ME = 'me@example.org';
const PEER = 'alice@example.org';

function message(id: number, sentAt: number, extra: Partial<Message> = {}): Message {
  return {
    id,
    account: ME,
    peer: PEER,
    direction: 'in',
    body: `m${id}`,
    sentAt,
    receivedAt: sentAt,
    originId: null,
    stanzaId: null,
    state: 'received',
    error: null,
    ...extra,
  };
}

/** A fake archive of `count` messages; answers history() like the shell does (oldest first). */
function archive(count: number) {
  const all = Array.from({ length: count }, (_, i) => message(i + 1, 1_000 + i * 10));
  const calls: Array<HistoryCursor | null> = [];
  vi.mocked(ipc.history).mockImplementation(async (_account, _peer, before, limit) => {
    calls.push(before);
    const older = all.filter((m) => !before || m.sentAt < before.at || (m.sentAt === before.at && m.id < before.id));
    return older.slice(Math.max(0, older.length - limit));
  });
  return { all, calls };
}

describe('ChatStore history paging', () => {
  let store: ChatStore;
  beforeEach(() => {
    vi.mocked(ipc.history).mockReset();
    store = new ChatStore();
    store.reset(ME);
    store.isWindowVisible = () => true;
  });

  it('loads the newest page on open, then older pages with the cursor of the oldest message', async () => {
    const { all, calls } = archive(120);
    await store.open(PEER);
    const thread = store.threads[PEER];
    expect(thread?.messages.map((m) => m.id)).toEqual(all.slice(70).map((m) => m.id));
    expect(thread?.exhausted).toBe(false);

    expect(await store.loadOlder(PEER)).toBe(PAGE_SIZE);
    expect(calls[1]).toEqual({ at: all[70]?.sentAt, id: 71 });
    expect(store.threads[PEER]?.messages.map((m) => m.id)).toEqual(all.slice(20).map((m) => m.id));

    // The third page has only 20 left: shorter than asked, so the beginning is reached.
    expect(await store.loadOlder(PEER)).toBe(20);
    expect(calls[2]).toEqual({ at: all[20]?.sentAt, id: 21 });
    expect(store.threads[PEER]?.exhausted).toBe(true);
    expect(store.threads[PEER]?.messages.map((m) => m.id)).toEqual(all.map((m) => m.id));

    // Nothing more is asked for.
    expect(await store.loadOlder(PEER)).toBe(0);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toBeNull();
    expect(vi.mocked(ipc.history).mock.calls.every((c) => c[3] === PAGE_SIZE)).toBe(true);
  });

  it('stops at once when the first page is short', async () => {
    archive(7);
    await store.open(PEER);
    expect(store.threads[PEER]?.messages).toHaveLength(7);
    expect(store.threads[PEER]?.exhausted).toBe(true);
    expect(await store.loadOlder(PEER)).toBe(0);
    expect(ipc.history).toHaveBeenCalledTimes(1);
  });

  it('does not run two loads at once', async () => {
    archive(200);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const original = vi.mocked(ipc.history).getMockImplementation();
    vi.mocked(ipc.history).mockImplementation(async (...args) => {
      await gate;
      return original ? original(...args) : [];
    });
    const first = store.loadOlder(PEER);
    const second = store.loadOlder(PEER);
    release();
    expect(await second).toBe(0);
    expect(await first).toBe(PAGE_SIZE);
    expect(ipc.history).toHaveBeenCalledTimes(1);
  });

  it('keeps the error and allows a retry', async () => {
    vi.mocked(ipc.history).mockRejectedValueOnce({ code: 'storage', message: 'disk' });
    await store.open(PEER);
    expect(store.threads[PEER]?.error).toEqual({ code: 'storage', message: 'disk' });
    archive(3);
    expect(await store.loadOlder(PEER)).toBe(3);
    expect(store.threads[PEER]?.error).toBeNull();
  });

  it('merges live messages that arrive while the first page loads, without duplicates', async () => {
    const { all } = archive(10);
    const opening = store.open(PEER);
    store.applyMessages([all[9] as Message, message(11, 5_000)]);
    await opening;
    expect(store.threads[PEER]?.messages.map((m) => m.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});

describe('ChatStore sending and updates', () => {
  let store: ChatStore;
  beforeEach(() => {
    vi.mocked(ipc.history).mockReset();
    vi.mocked(ipc.sendMessage).mockReset();
    vi.mocked(ipc.markRead).mockClear();
    store = new ChatStore();
    store.reset(ME);
    store.isWindowVisible = () => true;
    vi.mocked(ipc.history).mockResolvedValue([]);
  });

  it('adds the pending message and never moves it back from sent to pending', async () => {
    await store.open(PEER);
    const pending = message(50, 9_000, { direction: 'out', state: 'pending' });
    vi.mocked(ipc.sendMessage).mockImplementation(async () => {
      // The shell reports delivery before the send call has returned here.
      store.applyUpdate({ ...pending, state: 'sent' });
      return pending;
    });
    await store.send(PEER, 'hello');
    expect(ipc.sendMessage).toHaveBeenCalledWith(ME, PEER, 'hello');
    expect(store.threads[PEER]?.messages).toHaveLength(1);
    expect(store.threads[PEER]?.messages[0]?.state).toBe('sent');
    store.applyUpdate({ ...pending, state: 'failed', error: 'remote-server-timeout' });
    expect(store.threads[PEER]?.messages[0]).toMatchObject({ state: 'failed', error: 'remote-server-timeout' });
  });

  it('marks the open conversation read when it is opened and when messages arrive in view', async () => {
    const read = vi.fn();
    store.onRead = read;
    await store.open(PEER);
    expect(ipc.markRead).toHaveBeenCalledWith(ME, PEER);
    expect(read).toHaveBeenCalledWith(PEER);
    vi.mocked(ipc.markRead).mockClear();

    store.applyMessages([message(1, 100)]);
    expect(ipc.markRead).toHaveBeenCalledTimes(1);

    store.isWindowVisible = () => false;
    store.applyMessages([message(2, 200)]);
    expect(ipc.markRead).toHaveBeenCalledTimes(1);

    store.applyMessages([message(3, 300, { peer: 'bob@example.org' })]);
    expect(ipc.markRead).toHaveBeenCalledTimes(1);
  });

  it('ignores messages of other accounts', async () => {
    await store.open(PEER);
    store.applyMessages([message(1, 100, { account: 'other@example.org' })]);
    expect(store.threads[PEER]?.messages).toHaveLength(0);
  });
});

describe('mergeMessages', () => {
  it('inserts by (sentAt, id) and replaces known ids', () => {
    const a = message(1, 100);
    const b = message(2, 200);
    const c = message(3, 300);
    const late = message(4, 150);
    expect(mergeMessages([a, c], [b]).map((m) => m.id)).toEqual([1, 2, 3]);
    expect(mergeMessages([b, c], [a]).map((m) => m.id)).toEqual([1, 2, 3]);
    expect(mergeMessages([a, b], [c]).map((m) => m.id)).toEqual([1, 2, 3]);
    expect(mergeMessages([a, b, c], [late]).map((m) => m.id)).toEqual([1, 4, 2, 3]);
    const edited = { ...b, body: 'changed' };
    expect(mergeMessages([a, b, c], [edited])[1]?.body).toBe('changed');
    // Same timestamp: the id decides.
    expect(mergeMessages([message(9, 500)], [message(8, 500)]).map((m) => m.id)).toEqual([8, 9]);
  });
});
