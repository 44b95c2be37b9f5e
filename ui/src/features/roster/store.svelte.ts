// The buddy list's state: roster contacts with presence, conversations with unread counts, the
// filter, and the sorted view of all of it.
import * as ipc from '$lib/ipc/commands';
import type { Contact, Conversation, ErrorInfo, Message, RosterEvent } from '$lib/ipc/types';
import { collator, locale } from '../../i18n';
import { SubscriptionRequests } from './requests.svelte';
import { arrangeEntries, buildEntries, keepUnchanged, type BuddyEntry, type BuddySections } from './sort';

/**
 * How long roster and presence events wait for company before they are applied. The shell sends
 * each event as its own task, and signing in brings one presence per contact: a few hundred
 * within a few milliseconds. Applied together, they cost one update of the list, not one each.
 */
export const ROSTER_BATCH_MS = 16;

function isNewer(a: Message, b: Message): boolean {
  return a.sentAt > b.sentAt || (a.sentAt === b.sentAt && a.id > b.id);
}

export class RosterStore {
  account: string | null = $state(null);
  /**
   * Contacts by JID. Not deeply reactive: each update replaces the record (and the contacts that
   * changed), so a list of hundreds costs no proxy per contact and one change is one update.
   */
  contacts: Record<string, Contact> = $state.raw({});
  conversations: Record<string, Conversation> = $state({});
  filter = $state('');
  loading = $state(false);
  loadError: ErrorInfo | null = $state(null);
  /** A full roster arrived as an event while `load` was running: it is newer than the snapshot. */
  private replacedWhileLoading = false;
  /** People asking to see our presence. */
  readonly requests = new SubscriptionRequests();

  /** Events received but not applied yet (see `receive`). */
  private pending: RosterEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** The rows of the last list, so rows that did not change keep their identity. */
  private rows = new Map<string, BuddyEntry>();

  readonly entries: BuddyEntry[] = $derived.by(() => {
    const next = keepUnchanged(buildEntries(Object.values(this.contacts), Object.values(this.conversations)), this.rows);
    this.rows = new Map(next.map((e) => [e.jid, e]));
    return next;
  });
  readonly sections: BuddySections = $derived(arrangeEntries(this.entries, this.filter, collator(locale())));
  readonly totalUnread: number = $derived(
    Object.values(this.conversations).reduce((n, c) => n + c.unread, 0),
  );

  /** Fetches the roster and conversation list of `account`, replacing what was shown. */
  async load(account: string): Promise<void> {
    this.reset();
    this.account = account;
    this.requests.reset(account);
    this.loading = true;
    this.replacedWhileLoading = false;
    try {
      const [contacts, conversations] = await Promise.all([ipc.roster(account), ipc.conversations(account)]);
      if (this.account !== account) return;
      // Events that arrived while loading are newer than this snapshot: keep them on top.
      // A full list from an event replaces the snapshot outright.
      const pendingContacts = this.contacts;
      const pendingConversations = this.conversations;
      if (!this.replacedWhileLoading) {
        this.contacts = { ...Object.fromEntries(contacts.map((c) => [c.jid, c])), ...pendingContacts };
      }
      this.conversations = Object.fromEntries(conversations.map((c) => [c.peer, c]));
      for (const conv of Object.values(pendingConversations)) this.noteConversation(conv);
    } catch (e) {
      // The roster that arrived as an event is good enough: no error then.
      if (this.account === account && !this.replacedWhileLoading) this.loadError = e as ErrorInfo;
    } finally {
      if (this.account === account) this.loading = false;
    }
  }

  reset(): void {
    this.cancelFlush();
    this.pending = [];
    this.account = null;
    this.requests.reset(null);
    this.contacts = {};
    this.conversations = {};
    this.filter = '';
    this.loadError = null;
    this.loading = false;
    this.replacedWhileLoading = false;
  }

  /**
   * Takes a roster or presence event from the shell. Events that arrive within `ROSTER_BATCH_MS`
   * of the first one are applied together (`flush`), in order.
   */
  receive(event: RosterEvent): void {
    if (event.account !== this.account) return;
    this.pending.push(event);
    this.flushTimer ??= setTimeout(() => this.flush(), ROSTER_BATCH_MS);
  }

  /** Applies every event `receive` holds, as one update. */
  flush(): void {
    this.cancelFlush();
    const events = this.pending;
    this.pending = [];
    if (events.length > 0) this.applyRoster(...events);
  }

  private cancelFlush(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  /** Applies roster events in order, as one update of the list (now, not batched). */
  applyRoster(...events: RosterEvent[]): void {
    const mine = events.filter((e) => e.account === this.account);
    if (mine.length === 0) return;
    let next: Record<string, Contact> | null = null;
    let replaced = false;
    for (const event of mine) {
      if (event.replace) {
        next = Object.fromEntries(event.contacts.map((c) => [c.jid, c]));
        replaced = true;
      } else {
        next ??= { ...this.contacts };
        for (const c of event.contacts) next[c.jid] = c;
      }
    }
    if (next) this.contacts = next;
    if (replaced) {
      // The full list is known now, even when it is empty: stop waiting for the snapshot.
      if (this.loading) this.replacedWhileLoading = true;
      this.loading = false;
      this.loadError = null;
    }
    this.requests.settle(mine.flatMap((e) => e.contacts));
  }

  /**
   * Records new messages in the conversation list. Incoming messages raise the unread count unless
   * `isRead(peer)` says the conversation is on screen.
   */
  noteMessages(messages: Message[], isRead: (peer: string) => boolean): void {
    for (const m of messages) {
      if (m.account !== this.account) continue;
      const conv = this.conversations[m.peer];
      const unreadBump = m.direction === 'in' && !isRead(m.peer) ? 1 : 0;
      if (!conv) {
        this.conversations[m.peer] = {
          peer: m.peer,
          name: this.contacts[m.peer]?.name ?? null,
          last: m,
          unread: unreadBump,
        };
      } else {
        if (isNewer(m, conv.last) || m.id === conv.last.id) conv.last = m;
        conv.unread += unreadBump;
      }
    }
  }

  private noteConversation(conv: Conversation): void {
    const existing = this.conversations[conv.peer];
    if (!existing) this.conversations[conv.peer] = conv;
    else {
      if (isNewer(conv.last, existing.last)) existing.last = conv.last;
      existing.unread = Math.max(existing.unread, conv.unread);
    }
  }

  /** A message changed state: keep the conversation's last message current. */
  applyUpdate(message: Message): void {
    const conv = this.conversations[message.peer];
    if (conv && conv.last.id === message.id) conv.last = message;
  }

  clearUnread(peer: string): void {
    const conv = this.conversations[peer];
    if (conv) conv.unread = 0;
  }

  unread(peer: string): number {
    return this.conversations[peer]?.unread ?? 0;
  }

  entry(jid: string): BuddyEntry | undefined {
    return this.entries.find((e) => e.jid === jid);
  }
}

export const rosterStore = new RosterStore();
