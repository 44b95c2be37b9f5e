// Presence subscription requests waiting for an answer: people who asked to see our presence.
import * as ipc from '$lib/ipc/commands';
import type { Contact, ErrorInfo, SubscriptionRequestEvent } from '$lib/ipc/types';

export type PendingRequest = {
  jid: string;
  /** The answer being sent, while it is on its way. */
  busy: 'accept' | 'decline' | null;
  error: ErrorInfo | null;
};

export class SubscriptionRequests {
  account: string | null = $state(null);
  /** Oldest first, one per JID. */
  list: PendingRequest[] = $state([]);

  /** Starts over for `account` (null: signed out). */
  reset(account: string | null): void {
    this.account = account;
    this.list = [];
  }

  /** Records a request. The server repeats unanswered ones after each sign-in: those show once. */
  add(event: SubscriptionRequestEvent): void {
    if (event.account !== this.account) return;
    const jid = event.jid.trim();
    if (jid === '' || this.list.some((r) => r.jid === jid)) return;
    this.list.push({ jid, busy: null, error: null });
  }

  /** Adds the requests the shell still holds (fetched at start and after reconnecting). */
  merge(account: string, jids: readonly string[]): void {
    for (const jid of jids) this.add({ account, jid });
  }

  /** Drops requests from people who were allowed in elsewhere (another client of ours). */
  settle(contacts: Contact[]): void {
    const allowed = new Set(
      contacts.filter((c) => c.subscription === 'from' || c.subscription === 'both').map((c) => c.jid),
    );
    if (this.list.some((r) => allowed.has(r.jid) && r.busy === null)) {
      this.list = this.list.filter((r) => !allowed.has(r.jid) || r.busy !== null);
    }
  }

  /**
   * Approves (the shell then asks to see them in return, which makes them a contact) or declines.
   * The request goes away once the answer is sent; on failure it stays with the error.
   */
  async answer(jid: string, approve: boolean): Promise<boolean> {
    const account = this.account;
    const request = this.list.find((r) => r.jid === jid);
    if (!account || !request || request.busy) return false;
    request.busy = approve ? 'accept' : 'decline';
    request.error = null;
    try {
      await ipc.answerSubscription(account, jid, approve);
      if (this.account === account) this.list = this.list.filter((r) => r.jid !== jid);
      return true;
    } catch (e) {
      const current = this.list.find((r) => r.jid === jid);
      if (current) current.error = e as ErrorInfo;
      return false;
    } finally {
      const current = this.list.find((r) => r.jid === jid);
      if (current) current.busy = null;
    }
  }
}
