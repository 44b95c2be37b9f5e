// The running app: start-up, which screen shows, the signed-in account, its connection and
// presence, and the wiring from shell events to the feature stores.
import * as ipc from '$lib/ipc/commands';
import * as events from '$lib/ipc/events';
import { platform } from '$lib/platform.svelte';
import { resolveLocale, setLocale } from '../i18n';
import type {
  Account,
  AppInfo,
  ConnState,
  ConnectionEvent,
  ErrorInfo,
  MessagesEvent,
  MessageUpdatedEvent,
  OpenConversationEvent,
  RosterEvent,
  Show,
  SubscriptionRequestEvent,
} from '$lib/ipc/types';
import { chatStore, type ChatStore } from '../features/chat/store.svelte';
import { rosterStore, type RosterStore } from '../features/roster/store.svelte';
import { settingsStore, type SettingsStore } from '../features/settings/store.svelte';

export type Phase = 'booting' | 'failed' | 'login' | 'main';

export type Connection = {
  state: ConnState;
  error: ErrorInfo | null;
  /** When the next reconnect attempt is due (ms since the epoch), if known. */
  retryAt: number | null;
};

/**
 * The account to sign in at start-up, as other desktop clients do: the most recently used one
 * that has its password in the keyring and was not signed out by the user (signing out turns
 * `autoConnect` off; signing in turns it on again).
 */
export function pickAutoSignIn(accounts: Account[]): Account | null {
  const candidates = accounts.filter((a) => a.hasPassword && a.autoConnect);
  candidates.sort((a, b) => (b.lastLoginAt ?? b.createdAt) - (a.lastLoginAt ?? a.createdAt));
  return candidates[0] ?? null;
}

/**
 * The presence to show for an account that is signing in: the one the user last chose, which the
 * shell applies. Signing in is asking to be online, so a stored "offline" reads as available.
 */
export function chosenPresence(account: Pick<Account, 'show' | 'status'>): { show: Show; status: string } {
  const show = account.show && account.show !== 'offline' ? account.show : 'online';
  return { show, status: account.status ?? '' };
}

export class Session {
  phase: Phase = $state('booting');
  bootError: ErrorInfo | null = $state(null);
  appInfo: AppInfo | null = $state(null);
  accounts: Account[] = $state([]);
  account: Account | null = $state(null);
  connection: Connection = $state({ state: 'offline', error: null, retryAt: null });
  presence: { show: Show; status: string } = $state({ show: 'online', status: '' });
  presenceError: ErrorInfo | null = $state(null);
  reconnecting = $state(false);

  /** The account to sign in by itself when the login screen first shows (see `pickAutoSignIn`). */
  private autoSignIn: Account | null = null;
  private booted = false;
  private unlisten: Array<() => void> = [];
  /** Counts connection events for the active account, to tell whether a snapshot is stale. */
  private connectionEvents = 0;
  /** Grows each time the main view starts or ends, so late answers for an earlier visit are dropped. */
  private visit = 0;

  constructor(
    readonly roster: RosterStore,
    readonly chat: ChatStore,
    readonly settings: SettingsStore,
  ) {
    chat.onRead = (peer) => roster.clearUnread(peer);
  }

  /** Subscribes to shell events, loads app info, settings and accounts, and picks the first screen. */
  async boot(): Promise<void> {
    this.phase = 'booting';
    this.bootError = null;
    let gotInfo = false;
    try {
      if (this.unlisten.length === 0) {
        this.unlisten = await Promise.all([
          events.onConnection((e) => this.handleConnection(e)),
          events.onRoster((e) => this.handleRoster(e)),
          events.onMessages((e) => this.handleMessages(e)),
          events.onMessageUpdated((e) => this.handleMessageUpdated(e)),
          events.onSubscriptionRequest((e) => this.handleSubscriptionRequest(e)),
          events.onOpenConversation((e) => this.handleOpenConversation(e)),
        ]);
      }
      // First, alone: it is where the shell opens (or retries opening) the local data that
      // the other calls read.
      const info = await ipc.appInfo();
      gotInfo = true;
      const [settings, accounts] = await Promise.all([ipc.getSettings(), ipc.accounts()]);
      this.appInfo = info;
      platform.os = info.os ?? 'other';
      this.settings.init(settings, info.locale);
      this.accounts = accounts;
      // The shell may already be connecting an account on its own (auto-connect).
      const live = accounts.find((a) => a.state !== 'offline');
      // Only at start-up: after a sign-out or a failed attempt the user chooses.
      if (!this.booted && !live) this.autoSignIn = pickAutoSignIn(accounts);
      this.booted = true;
      if (live) this.enter(live);
      else this.phase = 'login';
    } catch (e) {
      // Without the shell's settings the words come in the webview's own language.
      if (!gotInfo) setLocale(resolveLocale(null, null));
      this.bootError = e as ErrorInfo;
      this.phase = 'failed';
    }
  }

  /** Hands the start-up sign-in to the login screen, once. */
  takeAutoSignIn(): Account | null {
    const account = this.autoSignIn;
    this.autoSignIn = null;
    return account;
  }

  dispose(): void {
    for (const stop of this.unlisten) stop();
    this.unlisten = [];
    this.booted = false;
    this.autoSignIn = null;
  }

  /** Shows the main window for `account` (after a login, or one the shell already connected). */
  enter(account: Account): void {
    this.account = account;
    this.upsertAccount(account);
    this.connection = { state: account.state, error: null, retryAt: null };
    this.presence = chosenPresence(account);
    this.presenceError = null;
    this.chat.reset(account.jid);
    void this.roster.load(account.jid);
    this.phase = 'main';
    this.visit += 1;
    void this.refreshState(account.jid);
    void this.fetchRequests(account.jid);
  }

  /**
   * Adds the subscription requests the shell still holds to the ones shown. Asked when the main
   * view starts and each time the connection comes (back) online; events may bring the same
   * requests too, and each shows once. A failure only means the events have to tell.
   */
  private async fetchRequests(jid: string): Promise<void> {
    const visit = this.visit;
    try {
      const jids = await ipc.subscriptionRequests(jid);
      if (this.visit !== visit || this.account?.jid !== jid) return;
      this.roster.requests.merge(jid, jids);
      this.roster.requests.settle(Object.values(this.roster.contacts));
    } catch (e) {
      console.debug('subscription_requests failed', e);
    }
  }

  /** Sets the connection state; a change to online asks the shell for waiting requests. */
  private setConnection(next: Connection): void {
    const cameOnline = next.state === 'online' && this.connection.state !== 'online';
    this.connection = next;
    if (cameOnline && this.account) void this.fetchRequests(this.account.jid);
  }

  /**
   * The connection may have changed between the shell answering login and this view listening
   * for the account: ask once, unless an event has told us since.
   */
  private async refreshState(jid: string): Promise<void> {
    const seen = this.connectionEvents;
    try {
      const current = (await ipc.accounts()).find((a) => a.jid === jid);
      if (!current || this.account?.jid !== jid || this.connectionEvents !== seen) return;
      this.account = { ...this.account, state: current.state };
      this.setConnection({ ...this.connection, state: current.state });
    } catch {
      // Events will tell.
    }
  }

  async logout(): Promise<void> {
    const account = this.account;
    if (!account) return;
    try {
      await ipc.logout(account.jid);
    } finally {
      this.leave({ ...account, state: 'offline', autoConnect: false });
    }
  }

  /** Forgets the signed-in account on this computer (see ipc.forgetAccount), then shows the login. */
  async forget(keepHistory: boolean): Promise<void> {
    const account = this.account;
    if (!account) return;
    await ipc.forgetAccount(account.jid, keepHistory);
    this.accounts = this.accounts.filter((a) => a.jid !== account.jid);
    this.leave(null);
  }

  private leave(updated: Account | null): void {
    if (updated) this.upsertAccount(updated);
    this.account = null;
    this.visit += 1;
    this.chat.reset(null);
    this.roster.reset();
    this.connection = { state: 'offline', error: null, retryAt: null };
    this.phase = 'login';
  }

  /** Signs in again with the saved password after the connection ended for good. */
  async reconnect(): Promise<void> {
    const account = this.account;
    if (!account || this.reconnecting) return;
    this.reconnecting = true;
    try {
      const updated = await ipc.login({
        jid: account.jid,
        password: null,
        host: account.host,
        port: account.port,
        remember: true,
        trustCertSha256: null,
      });
      if (this.account?.jid === updated.jid) {
        this.account = updated;
        this.upsertAccount(updated);
        this.setConnection({ state: updated.state, error: null, retryAt: null });
      }
    } catch (e) {
      this.connection = { state: 'offline', error: e as ErrorInfo, retryAt: null };
    } finally {
      this.reconnecting = false;
    }
  }

  async setPresence(show: Show, status: string): Promise<void> {
    const account = this.account;
    if (!account) return;
    const previous = { ...this.presence };
    this.presence = { show, status };
    this.presenceError = null;
    const text = status.trim() === '' ? null : status.trim();
    try {
      await ipc.setPresence(account.jid, show, text);
      // The shell keeps the choice for the next sign-in; so does the account list here.
      if (show !== 'offline') this.rememberPresence(account.jid, show, text);
    } catch (e) {
      this.presence = previous;
      this.presenceError = e as ErrorInfo;
    }
  }

  private rememberPresence(jid: string, show: Show, status: string | null): void {
    if (this.account?.jid === jid) this.account = { ...this.account, show, status };
    const i = this.accounts.findIndex((a) => a.jid === jid);
    const known = this.accounts[i];
    if (known) this.accounts[i] = { ...known, show, status };
  }

  /** Sends a chat message; rejects with an ErrorInfo (the composer keeps the text then). */
  async send(peer: string, body: string): Promise<void> {
    const message = await this.chat.send(peer, body);
    this.roster.noteMessages([message], () => true);
  }

  private upsertAccount(account: Account): void {
    const i = this.accounts.findIndex((a) => a.jid === account.jid);
    if (i >= 0) this.accounts[i] = account;
    else this.accounts = [...this.accounts, account];
  }

  handleConnection(e: ConnectionEvent): void {
    const i = this.accounts.findIndex((a) => a.jid === e.account);
    const known = this.accounts[i];
    if (known) this.accounts[i] = { ...known, state: e.state };
    if (this.account?.jid !== e.account) return;
    this.connectionEvents += 1;
    this.account = { ...this.account, state: e.state };
    this.setConnection({
      state: e.state,
      error: e.error,
      retryAt: e.retryInSecs !== null && e.retryInSecs !== undefined ? Date.now() + e.retryInSecs * 1000 : null,
    });
  }

  handleRoster(e: RosterEvent): void {
    this.roster.receive(e);
  }

  handleSubscriptionRequest(e: SubscriptionRequestEvent): void {
    this.roster.requests.add(e);
  }

  handleMessages(e: MessagesEvent): void {
    if (e.account !== this.account?.jid) return;
    // The chat store marks on-screen conversations read; only the others count as unread.
    this.roster.noteMessages(e.messages, (peer) => this.chat.isVisible(peer));
    this.chat.applyMessages(e.messages);
  }

  /** A notification was clicked: its conversation opens, if it belongs to the account shown. */
  handleOpenConversation(e: OpenConversationEvent): void {
    if (this.phase !== 'main' || e.account !== this.account?.jid) return;
    void this.chat.open(e.peer);
  }

  handleMessageUpdated(e: MessageUpdatedEvent): void {
    if (e.account !== this.account?.jid) return;
    this.chat.applyUpdate(e.message);
    this.roster.applyUpdate(e.message);
  }
}

export const session = new Session(rosterStore, chatStore, settingsStore);
