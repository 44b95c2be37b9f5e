// The buddy list's state: roster contacts with presence, conversations with unread counts, the
// filter, and the sorted view of all of it.
import * as ipc from '$lib/ipc/commands';
import type { Contact, Conversation, ErrorInfo, Message, RosterEvent } from '$lib/ipc/types';
import { collator, locale } from '../../i18n';
import { SubscriptionRequests } from './requests.svelte';
import { arrangeEntries, buildEntries, type BuddyEntry, type BuddySections } from './sort';

function isNewer(a: Message, b: Message): boolean {
  return a.sentAt > b.sentAt || (a.sentAt === b.sentAt && a.id > b.id);
}

export class RosterStore {
  account: string | null = $state(null);
  contacts: Record<string, Contact> = $state({});
  conversations: Record<string, Conversation> = $state({});
  filter = $state('');
  loading = $state(false);
  loadError: ErrorInfo | null = $state(null);
  /** A full roster arrived as an event while `load` was running: it is newer than the snapshot. */
  private replacedWhileLoading = false;
  /** People asking to see our presence. */
  readonly requests = new SubscriptionRequests();

  readonly entries: BuddyEntry[] = $derived(
    buildEntries(Object.values(this.contacts), Object.values(this.conversations)),
  );
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
        this.contacts = Object.fromEntries(contacts.map((c) => [c.jid, c]));
        Object.assign(this.contacts, pendingContacts);
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
    this.account = null;
    this.requests.reset(null);
    this.contacts = {};
    this.conversations = {};
    this.filter = '';
    this.loadError = null;
    this.loading = false;
    this.replacedWhileLoading = false;
  }

  applyRoster(event: RosterEvent): void {
    if (event.account !== this.account) return;
    if (event.replace) {
      this.contacts = Object.fromEntries(event.contacts.map((c) => [c.jid, c]));
      // The full list is known now, even when it is empty: stop waiting for the snapshot.
      if (this.loading) this.replacedWhileLoading = true;
      this.loading = false;
      this.loadError = null;
    } else {
      for (const c of event.contacts) this.contacts[c.jid] = c;
    }
    this.requests.settle(event.contacts);
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
