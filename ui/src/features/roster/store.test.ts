import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Contact, Conversation, Message } from '$lib/ipc/types';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  roster: vi.fn(),
  conversations: vi.fn(),
}));

import * as ipc from '$lib/ipc/commands';
import { RosterStore } from './store.svelte';

const ME = 'me@example.org';

const contact = (jid: string, name: string | null, show: Contact['show']): Contact => ({
  jid,
  name,
  groups: [],
  subscription: 'both',
  askPending: false,
  inRoster: true,
  show,
  status: null,
  resources: [],
});

const incoming = (id: number, peer: string, sentAt = id * 100): Message => ({
  id,
  account: ME,
  peer,
  direction: 'in',
  body: 'hi',
  sentAt,
  receivedAt: sentAt,
  originId: null,
  stanzaId: null,
  state: 'received',
  error: null,
});

describe('RosterStore', () => {
  let store: RosterStore;
  beforeEach(async () => {
    vi.mocked(ipc.roster).mockResolvedValue([contact('amy@example.org', 'Amy', 'offline'), contact('bob@example.org', 'Bob', 'online')]);
    const conv: Conversation = { peer: 'amy@example.org', name: 'Amy', last: incoming(1, 'amy@example.org'), unread: 2 };
    vi.mocked(ipc.conversations).mockResolvedValue([conv]);
    store = new RosterStore();
    await store.load(ME);
  });

  it('loads contacts and unread counts', () => {
    expect(ipc.roster).toHaveBeenCalledWith(ME);
    expect(store.sections.contacts.map((e) => e.jid)).toEqual(['bob@example.org', 'amy@example.org']);
    expect(store.entry('amy@example.org')?.unread).toBe(2);
    expect(store.totalUnread).toBe(2);
  });

  it('applies roster pushes: upsert changes one contact, replace swaps the list', () => {
    store.applyRoster({ account: ME, contacts: [contact('amy@example.org', 'Amy', 'online')], replace: false });
    expect(store.sections.contacts.map((e) => [e.jid, e.show])).toEqual([
      ['amy@example.org', 'online'],
      ['bob@example.org', 'online'],
    ]);
    store.applyRoster({ account: ME, contacts: [contact('cy@example.org', 'Cy', 'away')], replace: true });
    expect(Object.keys(store.contacts)).toEqual(['cy@example.org']);
    // Amy is still a conversation, so she moves to "not in contacts".
    expect(store.sections.strangers.map((e) => e.jid)).toEqual(['amy@example.org']);
  });

  it('ignores roster events for another account', () => {
    store.applyRoster({ account: 'other@example.org', contacts: [], replace: true });
    expect(Object.keys(store.contacts)).toHaveLength(2);
  });

  it('counts unread incoming messages unless the conversation is on screen', () => {
    store.noteMessages([incoming(5, 'bob@example.org')], () => false);
    expect(store.unread('bob@example.org')).toBe(1);
    store.noteMessages([incoming(6, 'bob@example.org')], (peer) => peer === 'bob@example.org');
    expect(store.unread('bob@example.org')).toBe(1);
    store.noteMessages([incoming(7, 'new@else.example')], () => false);
    expect(store.sections.strangers.map((e) => [e.jid, e.unread])).toEqual([['new@else.example', 1]]);
    store.clearUnread('bob@example.org');
    expect(store.unread('bob@example.org')).toBe(0);
  });

  it('stops loading at the first full roster event, even an empty one, and keeps it over the snapshot', async () => {
    let answer: (c: Contact[]) => void = () => {};
    vi.mocked(ipc.roster).mockReturnValue(new Promise((r) => (answer = r)));
    const fresh = new RosterStore();
    const loading = fresh.load(ME);
    expect(fresh.loading).toBe(true);
    fresh.applyRoster({ account: ME, contacts: [], replace: true });
    expect(fresh.loading).toBe(false);
    // The snapshot was taken before the event: the event's (empty) list wins.
    answer([contact('gone@example.org', 'Gone', 'online')]);
    await loading;
    expect(fresh.loading).toBe(false);
    expect(fresh.contacts).toEqual({});
    expect(fresh.loadError).toBeNull();
  });

  it('stops loading when the roster command answers with an empty list', async () => {
    vi.mocked(ipc.roster).mockResolvedValue([]);
    const fresh = new RosterStore();
    await fresh.load(ME);
    expect(fresh.loading).toBe(false);
    expect(fresh.loadError).toBeNull();
    expect(fresh.entries).toHaveLength(1); // Amy's conversation, from beforeEach
  });

  it('forgets a failed load once the full roster arrives as an event', async () => {
    vi.mocked(ipc.roster).mockRejectedValue({ code: 'not_connected', message: 'x' });
    const fresh = new RosterStore();
    await fresh.load(ME);
    expect(fresh.loadError?.code).toBe('not_connected');
    fresh.applyRoster({ account: ME, contacts: [contact('amy@example.org', 'Amy', 'online')], replace: true });
    expect(fresh.loadError).toBeNull();
    expect(Object.keys(fresh.contacts)).toEqual(['amy@example.org']);
  });

  it('filters the sections', () => {
    store.filter = 'BOB';
    expect(store.sections.contacts.map((e) => e.jid)).toEqual(['bob@example.org']);
  });
});
