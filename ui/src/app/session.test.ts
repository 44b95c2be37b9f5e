import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Account, Message } from '$lib/ipc/types';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  accounts: vi.fn(),
  roster: vi.fn(() => Promise.resolve([])),
  conversations: vi.fn(() => Promise.resolve([])),
  history: vi.fn(() => Promise.resolve([])),
  markRead: vi.fn(() => Promise.resolve()),
  login: vi.fn(),
  logout: vi.fn(() => Promise.resolve()),
  forgetAccount: vi.fn(() => Promise.resolve()),
  appInfo: vi.fn(),
  getSettings: vi.fn(),
  setPresence: vi.fn(() => Promise.resolve()),
  subscriptionRequests: vi.fn(() => Promise.resolve([])),
}));

import * as ipc from '$lib/ipc/commands';
import { ChatStore } from '../features/chat/store.svelte';
import { RosterStore } from '../features/roster/store.svelte';
import { SettingsStore } from '../features/settings/store.svelte';
import { platform } from '$lib/platform.svelte';
import { chosenPresence, pickAutoSignIn, Session } from './session.svelte';

const ME = 'me@example.org';
const acc = (state: Account['state'], extra: Partial<Account> = {}): Account => ({
  jid: ME,
  host: null,
  port: null,
  pinnedCertSha256: null,
  resource: 'r',
  autoConnect: true,
  createdAt: 1,
  lastLoginAt: null,
  hasPassword: true,
  state,
  show: 'online',
  status: null,
  ...extra,
});
const incoming = (id: number, peer: string): Message => ({
  id,
  account: ME,
  peer,
  direction: 'in',
  body: 'x',
  sentAt: id,
  receivedAt: id,
  originId: null,
  stanzaId: null,
  state: 'received',
  error: null,
});
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('Session', () => {
  let session: Session;
  beforeEach(() => {
    vi.mocked(ipc.accounts).mockReset();
    vi.mocked(ipc.login).mockReset();
    vi.mocked(ipc.subscriptionRequests).mockReset();
    vi.mocked(ipc.subscriptionRequests).mockResolvedValue([]);
    session = new Session(new RosterStore(), new ChatStore(), new SettingsStore());
    session.chat.isWindowVisible = () => true;
  });

  it('catches up when the account came online before the main view listened', async () => {
    vi.mocked(ipc.accounts).mockResolvedValue([acc('online')]);
    session.enter(acc('connecting'));
    expect(session.connection.state).toBe('connecting');
    await settle();
    expect(session.connection.state).toBe('online');
  });

  it('prefers a connection event over an older snapshot', async () => {
    let answer: (a: Account[]) => void = () => {};
    vi.mocked(ipc.accounts).mockReturnValue(new Promise((r) => (answer = r)));
    session.enter(acc('connecting'));
    session.handleConnection({ account: ME, state: 'reconnecting', error: null, retryInSecs: 3 });
    answer([acc('online')]);
    await settle();
    expect(session.connection.state).toBe('reconnecting');
    expect(session.connection.retryAt).toBeGreaterThan(Date.now());
  });

  it('counts unread only for conversations that are not on screen', async () => {
    vi.mocked(ipc.accounts).mockResolvedValue([acc('online')]);
    session.enter(acc('online'));
    await settle();
    await session.chat.open('alice@example.org');
    session.handleMessages({ account: ME, messages: [incoming(1, 'alice@example.org'), incoming(2, 'bob@example.org')] });
    expect(session.roster.unread('alice@example.org')).toBe(0);
    expect(session.roster.unread('bob@example.org')).toBe(1);
    expect(ipc.markRead).toHaveBeenCalledWith(ME, 'alice@example.org');

    // Hidden window: the open chat counts as unread too.
    session.chat.isWindowVisible = () => false;
    session.handleMessages({ account: ME, messages: [incoming(3, 'alice@example.org')] });
    expect(session.roster.unread('alice@example.org')).toBe(1);
    session.chat.isWindowVisible = () => true;
    session.chat.refreshRead();
    expect(session.roster.unread('alice@example.org')).toBe(0);
  });

  it('ignores events for other accounts', async () => {
    vi.mocked(ipc.accounts).mockResolvedValue([acc('online')]);
    session.enter(acc('online'));
    session.handleConnection({ account: 'other@example.org', state: 'offline', error: null, retryInSecs: null });
    session.handleMessages({ account: 'other@example.org', messages: [incoming(1, 'x@example.org')] });
    expect(session.connection.state).toBe('online');
    expect(session.roster.entries).toHaveLength(0);
  });

  it('reconnects with the saved password and reports a failure in the banner', async () => {
    vi.mocked(ipc.accounts).mockResolvedValue([acc('offline')]);
    session.enter(acc('offline', { host: 'xmpp.example.org', port: 5222 }));
    vi.mocked(ipc.login).mockRejectedValueOnce({ code: 'auth_failed', message: 'nope' });
    await session.reconnect();
    expect(ipc.login).toHaveBeenCalledWith({
      jid: ME,
      password: null,
      host: 'xmpp.example.org',
      port: 5222,
      remember: true,
      trustCertSha256: null,
    });
    expect(session.connection).toMatchObject({ state: 'offline', error: { code: 'auth_failed' } });
  });

  it('restores the previous presence when setting it fails', async () => {
    vi.mocked(ipc.accounts).mockResolvedValue([acc('online')]);
    session.enter(acc('online'));
    vi.mocked(ipc.setPresence).mockRejectedValueOnce({ code: 'not_connected', message: 'x' });
    await session.setPresence('dnd', ' busy ');
    expect(ipc.setPresence).toHaveBeenCalledWith(ME, 'dnd', 'busy');
    expect(session.presence).toEqual({ show: 'online', status: '' });
    expect(session.presenceError?.code).toBe('not_connected');
    await session.setPresence('away', '   ');
    expect(ipc.setPresence).toHaveBeenLastCalledWith(ME, 'away', null);
    expect(session.presence.show).toBe('away');
  });

  it('shows waiting requests from the shell at start, once even when the event brings them too', async () => {
    vi.mocked(ipc.accounts).mockResolvedValue([acc('online')]);
    vi.mocked(ipc.subscriptionRequests).mockResolvedValue(['a@example.org', 'b@example.org', 'a@example.org']);
    session.enter(acc('online'));
    // The event overtakes the command's answer.
    session.handleSubscriptionRequest({ account: ME, jid: 'b@example.org' });
    await settle();
    expect(ipc.subscriptionRequests).toHaveBeenCalledWith(ME);
    session.handleSubscriptionRequest({ account: ME, jid: 'a@example.org' });
    expect(session.roster.requests.list.map((r) => r.jid)).toEqual(['b@example.org', 'a@example.org']);
  });

  it('asks for waiting requests again each time the connection comes back online', async () => {
    vi.mocked(ipc.accounts).mockResolvedValue([acc('online')]);
    session.enter(acc('online'));
    await settle();
    expect(ipc.subscriptionRequests).toHaveBeenCalledTimes(1);

    session.handleConnection({ account: ME, state: 'online', error: null, retryInSecs: null });
    expect(ipc.subscriptionRequests).toHaveBeenCalledTimes(1);

    vi.mocked(ipc.subscriptionRequests).mockResolvedValue(['c@example.org']);
    session.handleConnection({ account: ME, state: 'reconnecting', error: null, retryInSecs: 2 });
    session.handleConnection({ account: ME, state: 'online', error: null, retryInSecs: null });
    await settle();
    expect(ipc.subscriptionRequests).toHaveBeenCalledTimes(2);
    expect(session.roster.requests.list.map((r) => r.jid)).toEqual(['c@example.org']);

    // Signed out meanwhile: a late answer is dropped.
    let answer: (j: string[]) => void = () => {};
    vi.mocked(ipc.subscriptionRequests).mockReturnValue(new Promise((r) => (answer = r)));
    session.handleConnection({ account: ME, state: 'offline', error: null, retryInSecs: null });
    session.handleConnection({ account: ME, state: 'online', error: null, retryInSecs: null });
    await session.logout();
    answer(['late@example.org']);
    await settle();
    expect(session.roster.requests.list).toEqual([]);
  });

  it('ignores a failure to list waiting requests, apart from a debug log', async () => {
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {});
    vi.mocked(ipc.accounts).mockResolvedValue([acc('online')]);
    vi.mocked(ipc.subscriptionRequests).mockRejectedValue({ code: 'not_connected', message: 'x' });
    session.enter(acc('connecting'));
    await settle();
    expect(debug).toHaveBeenCalled();
    expect(session.phase).toBe('main');
    expect(session.roster.loadError).toBeNull();
    session.handleSubscriptionRequest({ account: ME, jid: 'a@example.org' });
    expect(session.roster.requests.list.map((r) => r.jid)).toEqual(['a@example.org']);
  });
});

describe('own presence across sign-ins', () => {
  let session: Session;
  beforeEach(() => {
    vi.mocked(ipc.accounts).mockReset();
    vi.mocked(ipc.accounts).mockResolvedValue([acc('online')]);
    vi.mocked(ipc.setPresence).mockReset();
    vi.mocked(ipc.setPresence).mockResolvedValue(undefined);
    session = new Session(new RosterStore(), new ChatStore(), new SettingsStore());
  });

  it('takes the presence the user last chose from the account instead of resetting it to available', () => {
    session.enter(acc('connecting', { show: 'dnd', status: 'In a meeting' }));
    expect(session.presence).toEqual({ show: 'dnd', status: 'In a meeting' });
  });

  it('keeps a new choice for the next sign-in, also after signing out', async () => {
    session.enter(acc('online'));
    await session.setPresence('away', ' lunch ');
    expect(session.account).toMatchObject({ show: 'away', status: 'lunch' });
    await session.logout();
    expect(session.accounts.find((a) => a.jid === ME)).toMatchObject({ show: 'away', status: 'lunch', state: 'offline' });
    // Signing in again: the shell hands back the kept presence, and it is what shows.
    session.enter({ ...acc('connecting'), show: 'away', status: 'lunch' });
    expect(session.presence).toEqual({ show: 'away', status: 'lunch' });
  });

  it('does not keep a presence the shell refused', async () => {
    session.enter(acc('online', { show: 'xa', status: null }));
    vi.mocked(ipc.setPresence).mockRejectedValueOnce({ code: 'not_connected', message: 'x' });
    await session.setPresence('dnd', 'x');
    expect(session.account).toMatchObject({ show: 'xa', status: null });
    expect(session.presence).toEqual({ show: 'xa', status: '' });
  });

  it('reads a stored "offline" as available once signed in, and a missing status as none', () => {
    expect(chosenPresence({ show: 'offline', status: null })).toEqual({ show: 'online', status: '' });
    expect(chosenPresence({ show: 'chat', status: 'hi' })).toEqual({ show: 'chat', status: 'hi' });
  });
});

describe('forgetting the account', () => {
  it('passes the keep-history choice to the shell and drops the account from the login list', async () => {
    vi.mocked(ipc.accounts).mockResolvedValue([acc('online')]);
    const session = new Session(new RosterStore(), new ChatStore(), new SettingsStore());
    session.enter(acc('online'));
    await session.forget(true);
    expect(ipc.forgetAccount).toHaveBeenLastCalledWith(ME, true);
    expect(session.accounts).toEqual([]);
    expect(session.phase).toBe('login');
    session.enter(acc('online'));
    await session.forget(false);
    expect(ipc.forgetAccount).toHaveBeenLastCalledWith(ME, false);
  });
});

describe('platform', () => {
  it('takes the OS from the shell at start-up, for the keyring wording', async () => {
    vi.mocked(ipc.appInfo).mockResolvedValue({ version: '1', locale: 'en', sandbox: null, os: 'macos' });
    vi.mocked(ipc.getSettings).mockResolvedValue({ language: 'en', theme: 'system' });
    vi.mocked(ipc.accounts).mockResolvedValue([]);
    const session = new Session(new RosterStore(), new ChatStore(), new SettingsStore());
    await session.boot();
    expect(platform.os).toBe('macos');
    session.dispose();
    platform.os = 'other';
  });
});

describe('pickAutoSignIn', () => {
  const a = (jid: string, extra: Partial<Account>) => ({ ...acc('offline'), jid, ...extra });

  it('picks the most recently used account that has a saved password and was not signed out', () => {
    const older = a('old@example.org', { lastLoginAt: 10 });
    const newer = a('new@example.org', { lastLoginAt: 20 });
    const newestButSignedOut = a('out@example.org', { lastLoginAt: 30, autoConnect: false });
    const newestWithoutPassword = a('nopw@example.org', { lastLoginAt: 40, hasPassword: false });
    expect(pickAutoSignIn([older, newestButSignedOut, newer, newestWithoutPassword])?.jid).toBe('new@example.org');
  });

  it('picks nobody when every account was signed out or has no saved password', () => {
    expect(pickAutoSignIn([])).toBeNull();
    expect(pickAutoSignIn([a('x@example.org', { autoConnect: false }), a('y@example.org', { hasPassword: false })])).toBeNull();
  });

  it('falls back to the creation time for an account never signed in', () => {
    const created = a('created@example.org', { lastLoginAt: null, createdAt: 50 });
    const used = a('used@example.org', { lastLoginAt: 40 });
    expect(pickAutoSignIn([used, created])?.jid).toBe('created@example.org');
  });
});
