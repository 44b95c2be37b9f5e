// Signing in brings the roster and then one presence per contact, each as its own shell event:
// the buddy list must take such a burst as one update, not one sort and render per event.
import { flushSync } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Contact, RosterEvent, Show } from '$lib/ipc/types';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  roster: vi.fn(),
  conversations: vi.fn(),
}));

import * as ipc from '$lib/ipc/commands';
import { RosterStore, ROSTER_BATCH_MS } from './store.svelte';

const ME = 'me@example.org';
const COUNT = 200;

function contact(i: number, show: Show): Contact {
  return {
    jid: `c${String(i).padStart(3, '0')}@example.org`,
    name: i % 2 ? `联系人 ${i}` : `Contact ${i}`,
    groups: [`Group ${i % 10}`],
    subscription: 'both',
    askPending: false,
    inRoster: true,
    show,
    status: null,
    resources: [],
  };
}

const presence = (i: number, show: Show): RosterEvent => ({ account: ME, contacts: [contact(i, show)], replace: false });

/** Counts how often the sorted sections are recomputed and read, as the list reads them. */
function watchSections(store: RosterStore): { updates: () => number; stop: () => void } {
  let updates = 0;
  const stop = $effect.root(() => {
    $effect(() => {
      void store.sections;
      updates += 1;
    });
  });
  flushSync();
  return { updates: () => updates, stop };
}

/** Delivers each event as its own task, the way the shell's events arrive. */
async function deliverSeparately(store: RosterStore, events: RosterEvent[]): Promise<void> {
  for (const e of events) {
    store.receive(e);
    await Promise.resolve();
    flushSync();
  }
}

describe('roster and presence bursts', () => {
  let store: RosterStore;

  beforeEach(async () => {
    vi.useFakeTimers();
    vi.mocked(ipc.roster).mockResolvedValue([]);
    vi.mocked(ipc.conversations).mockResolvedValue([]);
    store = new RosterStore();
    await store.load(ME);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('applies 200 presence events that arrive together as one update and one sort', async () => {
    store.applyRoster({ account: ME, contacts: Array.from({ length: COUNT }, (_, i) => contact(i, 'offline')), replace: true });
    const watch = watchSections(store);
    const before = watch.updates();

    await deliverSeparately(store, Array.from({ length: COUNT }, (_, i) => presence(i, i % 4 === 0 ? 'away' : 'online')));
    // Nothing is applied while the burst is still arriving…
    expect(watch.updates()).toBe(before);
    expect(store.contacts['c000@example.org']?.show).toBe('offline');

    // …then all of it at once.
    vi.advanceTimersByTime(ROSTER_BATCH_MS);
    flushSync();
    expect(watch.updates()).toBe(before + 1);
    expect(Object.values(store.contacts).filter((c) => c.show === 'online')).toHaveLength(150);
    expect(store.sections.contacts[0]?.show).toBe('online');
    expect(store.sections.contacts.at(-1)?.show).toBe('away');
    watch.stop();
  });

  it('takes the full roster and the presences after it in order, in one update', async () => {
    const watch = watchSections(store);
    const before = watch.updates();
    const roster: RosterEvent = { account: ME, contacts: Array.from({ length: COUNT }, (_, i) => contact(i, 'offline')), replace: true };
    await deliverSeparately(store, [roster, ...Array.from({ length: COUNT }, (_, i) => presence(i, 'dnd'))]);
    expect(store.loading).toBe(false);
    vi.advanceTimersByTime(ROSTER_BATCH_MS);
    flushSync();
    expect(watch.updates()).toBe(before + 1);
    expect(store.sections.contacts).toHaveLength(COUNT);
    expect(store.sections.contacts.every((e) => e.show === 'dnd')).toBe(true);
    watch.stop();
  });

  it('keeps the row objects of contacts that did not change', () => {
    store.applyRoster({ account: ME, contacts: Array.from({ length: COUNT }, (_, i) => contact(i, 'online')), replace: true });
    const first = new Map(store.entries.map((e) => [e.jid, e]));
    store.applyRoster(presence(7, 'away'));
    const changed = store.entries.filter((e) => e !== first.get(e.jid));
    expect(changed.map((e) => [e.jid, e.show])).toEqual([['c007@example.org', 'away']]);
  });

  it('holds no deep proxies: a contact is the object the event carried', () => {
    const c = contact(1, 'online');
    store.applyRoster({ account: ME, contacts: [c], replace: true });
    expect(store.contacts[c.jid]).toBe(c);
  });

  it('drops what is pending when the account changes', async () => {
    store.receive(presence(1, 'online'));
    store.reset();
    await store.load('other@example.org');
    vi.advanceTimersByTime(ROSTER_BATCH_MS);
    expect(store.contacts).toEqual({});
    // Events for another account are not taken at all.
    store.receive(presence(2, 'online'));
    store.flush();
    expect(store.contacts).toEqual({});
  });
});
