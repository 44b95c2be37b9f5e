// Open conversations: their loaded messages, history paging, sending and read marking.
import * as ipc from '$lib/ipc/commands';
import type { ErrorInfo, HistoryCursor, Message } from '$lib/ipc/types';

export const PAGE_SIZE = 50;

export type Thread = {
  peer: string;
  /** Oldest first. */
  messages: Message[];
  /** Position of the oldest message received from history; the next page ends before it. */
  cursor: HistoryCursor | null;
  loading: boolean;
  /** The first page has been asked for. */
  started: boolean;
  /** A page came back shorter than asked: nothing older exists. */
  exhausted: boolean;
  error: ErrorInfo | null;
};

const STATE_RANK: Record<Message['state'], number> = { pending: 0, sent: 1, failed: 1, received: 1 };

function before(a: Message, b: Message): boolean {
  return a.sentAt < b.sentAt || (a.sentAt === b.sentAt && a.id < b.id);
}

/** True when `incoming` may replace `current` (same id): never go back from sent/failed to pending. */
function supersedes(incoming: Message, current: Message): boolean {
  return STATE_RANK[incoming.state] >= STATE_RANK[current.state];
}

/**
 * Merges `incoming` into `existing` (both oldest first): new ids are inserted in order, known ids
 * are replaced. Returns a new array.
 */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  const out = existing.slice();
  const index = new Map<number, number>();
  out.forEach((m, i) => index.set(m.id, i));
  const fresh: Message[] = [];
  for (const m of incoming) {
    const at = index.get(m.id);
    if (at !== undefined) {
      const current = out[at];
      if (current && supersedes(m, current)) out[at] = m;
    } else {
      index.set(m.id, -1);
      fresh.push(m);
    }
  }
  if (fresh.length === 0) return out;
  fresh.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  const lastExisting = out[out.length - 1];
  const firstFresh = fresh[0];
  if (!lastExisting || (firstFresh && before(lastExisting, firstFresh))) return out.concat(fresh);
  const lastFresh = fresh[fresh.length - 1];
  const firstExisting = out[0];
  if (lastFresh && firstExisting && before(lastFresh, firstExisting)) return fresh.concat(out);
  return out.concat(fresh).sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
}

export class ChatStore {
  account: string | null = $state(null);
  selected: string | null = $state(null);
  threads: Record<string, Thread> = $state({});

  readonly current: Thread | null = $derived(this.selected ? (this.threads[this.selected] ?? null) : null);

  /** Told when a conversation has been marked read, so unread badges can clear. */
  onRead: (peer: string) => void = () => {};
  /** Whether the user can see the window right now (messages to the open chat count as read). */
  isWindowVisible: () => boolean = () =>
    typeof document === 'undefined' || document.visibilityState !== 'hidden';

  reset(account: string | null = null): void {
    this.account = account;
    this.selected = null;
    this.threads = {};
  }

  private thread(peer: string): Thread {
    let t = this.threads[peer];
    if (!t) {
      this.threads[peer] = {
        peer,
        messages: [],
        cursor: null,
        loading: false,
        started: false,
        exhausted: false,
        error: null,
      };
      t = this.threads[peer];
    }
    return t as Thread;
  }

  /** Shows `peer`'s conversation: loads its newest page the first time and marks it read. */
  async open(peer: string): Promise<void> {
    this.selected = peer;
    const t = this.thread(peer);
    const first = t.started ? Promise.resolve() : this.loadOlder(peer);
    void this.markRead(peer);
    await first;
  }

  close(): void {
    this.selected = null;
  }

  /** True when `peer`'s conversation is on screen. */
  isVisible(peer: string): boolean {
    return this.selected === peer && this.isWindowVisible();
  }

  /**
   * Loads the page before the oldest loaded message (or the newest page). Resolves with how many
   * messages it added; does nothing while a load runs or once the beginning has been reached.
   */
  async loadOlder(peer: string): Promise<number> {
    const account = this.account;
    if (!account) return 0;
    const t = this.thread(peer);
    if (t.loading || t.exhausted) return 0;
    t.loading = true;
    t.started = true;
    t.error = null;
    try {
      const page = await ipc.history(account, peer, t.cursor, PAGE_SIZE);
      if (this.account !== account || this.threads[peer] !== t) return 0;
      const oldest = page[0];
      if (oldest) t.cursor = { at: oldest.sentAt, id: oldest.id };
      if (page.length < PAGE_SIZE) t.exhausted = true;
      const before = t.messages.length;
      t.messages = mergeMessages(t.messages, page);
      return t.messages.length - before;
    } catch (e) {
      t.error = e as ErrorInfo;
      return 0;
    } finally {
      t.loading = false;
    }
  }

  /** Sends `body` to `peer`. Rejects with an ErrorInfo; the caller keeps the text then. */
  async send(peer: string, body: string): Promise<Message> {
    const account = this.account;
    if (!account) throw { code: 'not_connected', message: 'no account' } satisfies ErrorInfo;
    const message = await ipc.sendMessage(account, peer, body);
    this.applyMessages([message]);
    return message;
  }

  /** Newly stored messages (either direction). Returns the peers that are on screen and got some. */
  applyMessages(messages: Message[]): void {
    const byPeer = new Map<string, Message[]>();
    for (const m of messages) {
      if (m.account !== this.account) continue;
      const list = byPeer.get(m.peer);
      if (list) list.push(m);
      else byPeer.set(m.peer, [m]);
    }
    for (const [peer, list] of byPeer) {
      const t = this.threads[peer];
      if (t) t.messages = mergeMessages(t.messages, list);
      if (list.some((m) => m.direction === 'in') && this.isVisible(peer)) void this.markRead(peer);
    }
  }

  applyUpdate(message: Message): void {
    if (message.account !== this.account) return;
    const t = this.threads[message.peer];
    if (t) t.messages = mergeMessages(t.messages, [message]);
  }

  /** Marks the open conversation read again, e.g. when the window comes back into view. */
  refreshRead(): void {
    if (this.selected && this.isWindowVisible()) void this.markRead(this.selected);
  }

  private async markRead(peer: string): Promise<void> {
    const account = this.account;
    if (!account) return;
    this.onRead(peer);
    try {
      await ipc.markRead(account, peer);
    } catch {
      // The badge is already cleared here; the next open marks it again.
    }
  }
}

export const chatStore = new ChatStore();
