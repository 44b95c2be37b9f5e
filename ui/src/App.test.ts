// The whole UI against a scripted backend: the ipc modules are mocked, the components are real.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Account, Contact, EventMap, Message } from '$lib/ipc/types';

type Handler<E extends keyof EventMap> = (payload: EventMap[E]) => void;
const listeners: { [E in keyof EventMap]?: Handler<E> } = {};

vi.mock('$lib/ipc/events', () => ({
  onConnection: vi.fn(async (h: Handler<'connection'>) => ((listeners.connection = h), () => {})),
  onRoster: vi.fn(async (h: Handler<'roster'>) => ((listeners.roster = h), () => {})),
  onMessages: vi.fn(async (h: Handler<'messages'>) => ((listeners.messages = h), () => {})),
  onMessageUpdated: vi.fn(async (h: Handler<'message-updated'>) => ((listeners['message-updated'] = h), () => {})),
  onSubscriptionRequest: vi.fn(
    async (h: Handler<'subscription-request'>) => ((listeners['subscription-request'] = h), () => {}),
  ),
  onOpenConversation: vi.fn(
    async (h: Handler<'open-conversation'>) => ((listeners['open-conversation'] = h), () => {}),
  ),
}));

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  appInfo: vi.fn(),
  getSettings: vi.fn(),
  setSettings: vi.fn((s: unknown) => Promise.resolve(s)),
  accounts: vi.fn(),
  login: vi.fn(),
  logout: vi.fn(() => Promise.resolve()),
  roster: vi.fn(),
  conversations: vi.fn(),
  history: vi.fn(),
  sendMessage: vi.fn(),
  markRead: vi.fn(() => Promise.resolve()),
  setPresence: vi.fn(() => Promise.resolve()),
  addContact: vi.fn(),
  answerSubscription: vi.fn(),
  subscriptionRequests: vi.fn(() => Promise.resolve([])),
  openLink: vi.fn(() => Promise.resolve()),
}));

import * as ipc from '$lib/ipc/commands';
import App from './App.svelte';
import { session } from './app/session.svelte';

const ME = 'me@example.org';

function account(state: Account['state']): Account {
  return {
    jid: ME,
    host: null,
    port: null,
    pinnedCertSha256: null,
    resource: 'hongyan',
    autoConnect: true,
    createdAt: 1,
    lastLoginAt: 2,
    hasPassword: true,
    state,
    show: 'online',
    status: null,
  };
}

const contact = (jid: string, name: string | null, show: Contact['show'], status: string | null = null): Contact => ({
  jid,
  name,
  groups: [],
  subscription: 'both',
  askPending: false,
  inRoster: true,
  show,
  status,
  resources: [],
});

let nextId = 1;
function message(peer: string, direction: 'in' | 'out', body: string, extra: Partial<Message> = {}): Message {
  const at = Date.now() - 60_000 + nextId;
  return {
    id: nextId++,
    account: ME,
    peer,
    direction,
    body,
    sentAt: at,
    receivedAt: at,
    originId: null,
    stanzaId: null,
    state: direction === 'in' ? 'received' : 'sent',
    error: null,
    ...extra,
  };
}

function emit<E extends keyof EventMap>(event: E, payload: EventMap[E]) {
  const handler = listeners[event] as Handler<E> | undefined;
  if (!handler) throw new Error(`no listener for ${event}`);
  handler(payload);
}

/** `autoConnect`: the saved account was not signed out, so the app signs it in at start. */
function backend(opts: { live: boolean; locale?: string; autoConnect?: boolean }) {
  vi.mocked(ipc.appInfo).mockResolvedValue({
    version: '1.2.3',
    locale: opts.locale ?? 'en-US',
    sandbox: null,
    os: 'linux',
  });
  vi.mocked(ipc.getSettings).mockResolvedValue({ language: 'auto', theme: 'system' });
  vi.mocked(ipc.accounts).mockResolvedValue([
    { ...account(opts.live ? 'online' : 'offline'), autoConnect: opts.autoConnect ?? false },
  ]);
  vi.mocked(ipc.roster).mockResolvedValue([
    contact('zoe@example.org', 'Zoe', 'offline'),
    contact('alice@example.org', 'Alice', 'away', 'At lunch'),
    contact('li@example.cn', '李白', 'online', '举杯邀明月'),
  ]);
  vi.mocked(ipc.conversations).mockResolvedValue([]);
  vi.mocked(ipc.history).mockImplementation(async (_a, peer) =>
    peer === 'alice@example.org' ? [message(peer, 'in', 'Hi there <b>friend</b>'), message(peer, 'out', 'Hello!')] : [],
  );
}

describe('App', () => {
  beforeEach(() => {
    nextId = 1;
    vi.mocked(ipc.accounts).mockClear();
    vi.mocked(ipc.markRead).mockClear();
    vi.mocked(ipc.sendMessage).mockReset();
    vi.mocked(ipc.addContact).mockReset();
    vi.mocked(ipc.answerSubscription).mockReset();
  });
  afterEach(() => session.dispose());

  it('starts on the login screen in the OS language when nobody is connected', async () => {
    backend({ live: false, locale: 'zh-CN' });
    render(App);
    expect(await screen.findByTestId('login-submit')).toHaveTextContent('登录');
    expect(document.documentElement.lang).toBe('zh-CN');
    expect(screen.getByRole('button', { name: `以 ${ME} 登录` })).toBeInTheDocument();
  });

  it('signs the last account in by itself at start, with the saved password, and not again after signing out', async () => {
    backend({ live: false, autoConnect: true });
    vi.mocked(ipc.login).mockReset();
    vi.mocked(ipc.login).mockResolvedValue(account('connecting'));
    render(App);
    expect(await screen.findByTestId('main-view')).toBeInTheDocument();
    expect(ipc.login).toHaveBeenCalledTimes(1);
    expect(ipc.login).toHaveBeenCalledWith(expect.objectContaining({ jid: ME, password: null, remember: true }));
    await fireEvent.click(screen.getByTestId('settings-open'));
    await fireEvent.click(await screen.findByTestId('logout'));
    expect(await screen.findByTestId('login-submit')).toBeInTheDocument();
    expect(ipc.logout).toHaveBeenCalledWith(ME);
    expect(ipc.login).toHaveBeenCalledTimes(1);
  });

  it('stays on the login screen, with the account picked, when the start-up sign-in fails', async () => {
    backend({ live: false, autoConnect: true, locale: 'zh-CN' });
    vi.mocked(ipc.login).mockReset();
    vi.mocked(ipc.login).mockRejectedValue({ code: 'auth_failed', message: 'not-authorized' });
    render(App);
    expect(await screen.findByRole('alert')).toBeInTheDocument();
    expect(ipc.login).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('main-view')).toBeNull();
    expect((screen.getByTestId('login-jid') as HTMLInputElement).value).toBe(ME);
  });

  it('says in words when the local data cannot be opened, and tries again on request', async () => {
    backend({ live: false });
    const detail = 'cannot open the database /home/li/.local/share/im.hongyan.desktop/hongyan.db: disk I/O error';
    vi.mocked(ipc.appInfo).mockRejectedValueOnce({ code: 'storage', message: detail });
    render(App);
    expect(await screen.findByText(/Hongyan could not read or write its local data/)).toBeInTheDocument();
    expect(screen.getByTestId('boot-detail')).toHaveTextContent(detail);
    expect(ipc.accounts).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('login-submit')).toBeInTheDocument();
  });

  it('goes to the main view for an account the shell already connected, with a sorted buddy list', async () => {
    backend({ live: true });
    render(App);
    expect(await screen.findByTestId('main-view')).toBeInTheDocument();
    expect(screen.getByTestId('account-jid')).toHaveTextContent(ME);
    await waitFor(() => expect(screen.getAllByTestId('buddy-item')).toHaveLength(3));
    const items = screen.getAllByTestId('buddy-item');
    expect(items.map((i) => i.dataset.jid)).toEqual(['li@example.cn', 'alice@example.org', 'zoe@example.org']);
    expect(items.map((i) => i.dataset.show)).toEqual(['online', 'away', 'offline']);
    expect(within(items[1] as HTMLElement).getByText('At lunch')).toBeInTheDocument();
    expect(within(items[0] as HTMLElement).getByTestId('presence-dot')).toHaveAttribute('data-show', 'online');
    expect(screen.queryByTestId('conn-banner')).toBeNull();

    await fireEvent.input(screen.getByTestId('roster-filter'), { target: { value: 'EXAMPLE.CN' } });
    expect(screen.getAllByTestId('buddy-item').map((i) => i.dataset.jid)).toEqual(['li@example.cn']);
  });

  it('shows the connection banner while reconnecting and when the connection ended', async () => {
    backend({ live: true });
    render(App);
    await screen.findByTestId('main-view');
    emit('connection', { account: ME, state: 'reconnecting', error: null, retryInSecs: 5 });
    expect(await screen.findByTestId('conn-banner')).toHaveTextContent('Reconnecting in 5 s…');
    emit('connection', { account: ME, state: 'online', error: null, retryInSecs: null });
    await waitFor(() => expect(screen.queryByTestId('conn-banner')).toBeNull());
    emit('connection', { account: ME, state: 'offline', error: { code: 'conflict', message: 'x' }, retryInSecs: null });
    expect(await screen.findByTestId('conn-banner')).toHaveTextContent(
      'Disconnected. You signed in to this account from another place, so this session ended.',
    );
  });

  it('jumps to a chat with Ctrl+K by pinyin, and Ctrl+F goes to the contact search', async () => {
    backend({ live: true });
    render(App);
    await screen.findByTestId('main-view');
    await waitFor(() => expect(screen.getAllByTestId('buddy-item')).toHaveLength(3));

    await fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    const input = await screen.findByTestId('switcher-input');
    expect(input).toHaveFocus();
    await fireEvent.input(input, { target: { value: 'lb' } });
    await waitFor(() => expect(screen.getAllByTestId('switcher-item')[0]?.dataset.jid).toBe('li@example.cn'));
    await fireEvent.keyDown(input, { key: 'Enter' });

    expect(await screen.findByTestId('chat-title')).toHaveTextContent('李白');
    expect(screen.queryByTestId('quick-switcher')).toBeNull();
    await waitFor(() => expect(screen.getByTestId('composer')).toHaveFocus());

    // Ctrl+K twice: open, then closed again, the keyboard back where it was.
    await fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    expect(await screen.findByTestId('quick-switcher')).toBeInTheDocument();
    await fireEvent.keyDown(window, { key: 'K', ctrlKey: true });
    await waitFor(() => expect(screen.queryByTestId('quick-switcher')).toBeNull());
    expect(screen.getByTestId('composer')).toHaveFocus();

    await fireEvent.keyDown(window, { key: 'f', ctrlKey: true });
    expect(screen.getByTestId('roster-filter')).toHaveFocus();
  });

  it('steps through the chats with Alt+arrows and lists the shortcuts with ? or Ctrl+/', async () => {
    backend({ live: true });
    render(App);
    await screen.findByTestId('main-view');
    await waitFor(() => expect(screen.getAllByTestId('buddy-item')).toHaveLength(3));
    expect(screen.getByTestId('empty-keys')).toHaveTextContent('go to a chat');

    // The buddy list's order: 李白 (available), Alice (away), Zoe (offline).
    await fireEvent.keyDown(window, { key: 'ArrowDown', altKey: true });
    expect(await screen.findByTestId('chat-title')).toHaveTextContent('李白');
    const composer = () => screen.getByTestId('composer');
    await waitFor(() => expect(composer()).toHaveFocus());
    await fireEvent.keyDown(composer(), { key: 'ArrowDown', altKey: true });
    await waitFor(() => expect(screen.getByTestId('chat-title')).toHaveTextContent('Alice'));
    await fireEvent.keyDown(window, { key: 'ArrowUp', altKey: true });
    await waitFor(() => expect(screen.getByTestId('chat-title')).toHaveTextContent('李白'));
    // The top of the list is as far as it goes.
    await fireEvent.keyDown(window, { key: 'ArrowUp', altKey: true });
    expect(screen.getByTestId('chat-title')).toHaveTextContent('李白');
    expect(screen.getByRole('button', { current: true })).toHaveAttribute('data-jid', 'li@example.cn');

    // ? typed into the message box is a question mark, not a shortcut.
    await waitFor(() => expect(composer()).toHaveFocus());
    await fireEvent.keyDown(composer(), { key: '?', shiftKey: true });
    expect(screen.queryByTestId('shortcuts-sheet')).toBeNull();

    await fireEvent.keyDown(composer(), { key: '/', ctrlKey: true });
    expect(await screen.findByRole('dialog', { name: 'Keyboard shortcuts' })).toBeInTheDocument();
    // Ctrl+K puts the switcher in the sheet's place; Escape then leaves the keyboard where it was.
    await fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    expect(await screen.findByTestId('quick-switcher')).toBeInTheDocument();
    expect(screen.queryByTestId('shortcuts-sheet')).toBeNull();
    await fireEvent.keyDown(screen.getByTestId('switcher-input'), { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('quick-switcher')).toBeNull());
    expect(composer()).toHaveFocus();

    // ? with nothing that takes text focused.
    composer().blur();
    await fireEvent.keyDown(document.body, { key: '?', shiftKey: true });
    expect(await screen.findByTestId('shortcuts-sheet')).toBeInTheDocument();
    await fireEvent.keyDown(window, { key: '/', ctrlKey: true });
    await waitFor(() => expect(screen.queryByTestId('shortcuts-sheet')).toBeNull());
  });

  it('opens a chat, renders messages as text, marks it read and counts unread elsewhere', async () => {
    backend({ live: true });
    render(App);
    await screen.findByTestId('main-view');
    await waitFor(() => expect(screen.getAllByTestId('buddy-item')).toHaveLength(3));
    await fireEvent.click(screen.getByRole('button', { name: /Alice/ }));

    expect(await screen.findByTestId('chat-title')).toHaveTextContent('Alice');
    await waitFor(() => expect(screen.getAllByTestId('message')).toHaveLength(2));
    const [first, second] = screen.getAllByTestId('message') as HTMLElement[];
    expect(first?.dataset).toMatchObject({ direction: 'in', state: 'received', id: '1' });
    expect(second?.dataset).toMatchObject({ direction: 'out', state: 'sent', id: '2' });
    expect(within(first as HTMLElement).getByTestId('message-body').textContent).toBe('Hi there <b>friend</b>');
    expect((first as HTMLElement).querySelector('b')).toBeNull();
    expect(ipc.markRead).toHaveBeenCalledWith(ME, 'alice@example.org');

    // A message to someone else raises their badge; one to the open chat is read at once.
    vi.mocked(ipc.markRead).mockClear();
    emit('messages', { account: ME, messages: [message('li@example.cn', 'in', '在吗？')] });
    const li = screen.getAllByTestId('buddy-item').find((i) => i.dataset.jid === 'li@example.cn') as HTMLElement;
    expect(await within(li).findByLabelText('1 unread')).toHaveTextContent('1');
    expect(ipc.markRead).not.toHaveBeenCalled();

    emit('messages', { account: ME, messages: [message('alice@example.org', 'in', 'Still there?')] });
    await waitFor(() => expect(screen.getAllByTestId('message')).toHaveLength(3));
    expect(ipc.markRead).toHaveBeenCalledWith(ME, 'alice@example.org');
  });

  it("opens xmpp: links inside the app: a contact's chat with the offered text, or adding a stranger", async () => {
    backend({ live: true });
    vi.mocked(ipc.history).mockImplementation(async (_a, peer) =>
      peer === 'alice@example.org'
        ? [
            message(peer, 'in', 'Ask Li: xmpp:li@example.cn?message;body=%E4%BD%A0%E5%A5%BD or xmpp:new@example.net?subscribe'),
          ]
        : [],
    );
    vi.mocked(ipc.openLink).mockClear();
    render(App);
    await screen.findByTestId('main-view');
    await fireEvent.click(await screen.findByRole('button', { name: /Alice/ }));
    const body = await screen.findByTestId('message-body');
    const [toLi] = within(body).getAllByRole('link');

    await fireEvent.click(toLi as HTMLElement);
    expect(await screen.findByTestId('chat-title')).toHaveTextContent('李白');
    expect(screen.getByTestId('composer')).toHaveValue('你好');

    await fireEvent.click(screen.getByRole('button', { name: /Alice/ }));
    await fireEvent.click(within(await screen.findByTestId('message-body')).getAllByRole('link')[1] as HTMLElement);
    expect(await screen.findByTestId('add-contact-jid')).toHaveValue('new@example.net');
    // Nothing went to the system's own XMPP handler.
    expect(ipc.openLink).not.toHaveBeenCalled();
  });

  it('opens the conversation of a clicked notification, only for the account shown', async () => {
    backend({ live: true });
    render(App);
    await screen.findByTestId('main-view');
    emit('open-conversation', { account: 'someone.else@example.org', peer: 'li@example.cn' });
    emit('open-conversation', { account: ME, peer: 'alice@example.org' });
    expect(await screen.findByTestId('chat-title')).toHaveTextContent('Alice');
    expect(screen.getByTestId('chat-pane').dataset.peer).toBe('alice@example.org');
    expect(ipc.markRead).toHaveBeenCalledWith(ME, 'alice@example.org');
    expect(ipc.markRead).not.toHaveBeenCalledWith(ME, 'li@example.cn');
  });

  it('sends from the composer and follows the message state', async () => {
    backend({ live: true });
    render(App);
    await screen.findByTestId('main-view');
    await waitFor(() => expect(screen.getAllByTestId('buddy-item')).toHaveLength(3));
    await fireEvent.click(screen.getByRole('button', { name: /Alice/ }));
    await waitFor(() => expect(screen.getAllByTestId('message')).toHaveLength(2));

    const pending = message('alice@example.org', 'out', 'New one', { state: 'pending', sentAt: Date.now() });
    vi.mocked(ipc.sendMessage).mockResolvedValue(pending);
    const composer = screen.getByTestId('composer');
    await fireEvent.input(composer, { target: { value: 'New one' } });
    await fireEvent.keyDown(composer, { key: 'Enter', keyCode: 13 });
    await waitFor(() => expect(screen.getAllByTestId('message')).toHaveLength(3));
    expect(ipc.sendMessage).toHaveBeenCalledWith(ME, 'alice@example.org', 'New one');
    const sent = () => screen.getAllByTestId('message').find((m) => m.dataset.id === String(pending.id)) as HTMLElement;
    expect(sent().dataset.state).toBe('pending');

    emit('message-updated', { account: ME, message: { ...pending, state: 'failed', error: 'service-unavailable' } });
    await waitFor(() => expect(sent().dataset.state).toBe('failed'));
    expect(within(sent()).getByTestId('message-error')).toHaveTextContent('Not sent: service-unavailable');
  });

  it('logs out from the settings dialog back to the login screen', async () => {
    backend({ live: true });
    render(App);
    await screen.findByTestId('main-view');
    await fireEvent.click(screen.getByTestId('settings-open'));
    await fireEvent.click(await screen.findByTestId('logout'));
    expect(await screen.findByTestId('login-submit')).toBeInTheDocument();
    expect(ipc.logout).toHaveBeenCalledWith(ME);
  });

  it('adds a contact from the buddy list; it shows up through roster events, waiting for authorization', async () => {
    backend({ live: true });
    vi.mocked(ipc.addContact).mockResolvedValue(undefined);
    render(App);
    await screen.findByTestId('main-view');
    await waitFor(() => expect(screen.getAllByTestId('buddy-item')).toHaveLength(3));

    screen.getByTestId('add-contact-open').focus();
    await fireEvent.click(screen.getByTestId('add-contact-open'));
    const dialog = await screen.findByRole('dialog', { name: 'Add a contact' });
    expect(screen.getByTestId('add-contact-jid')).toHaveFocus();
    await fireEvent.input(screen.getByTestId('add-contact-jid'), { target: { value: 'new@example.net' } });
    await fireEvent.click(within(dialog).getByTestId('add-contact-submit'));
    expect(ipc.addContact).toHaveBeenCalledWith(ME, 'new@example.net', null);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByTestId('add-contact-open')).toHaveFocus();

    emit('roster', {
      account: ME,
      contacts: [{ ...contact('new@example.net', null, 'offline'), subscription: 'none', askPending: true }],
      replace: false,
    });
    const added = await waitFor(() => {
      const item = screen.getAllByTestId('buddy-item').find((i) => i.dataset.jid === 'new@example.net');
      if (!item) throw new Error('new contact not listed yet');
      return item;
    });
    expect(within(added).getByText('Waiting for authorization')).toBeInTheDocument();
  });

  it('shows subscription requests once per address above the contacts and answers them', async () => {
    backend({ live: true });
    vi.mocked(ipc.answerSubscription).mockResolvedValue(undefined);
    render(App);
    await screen.findByTestId('main-view');
    await waitFor(() => expect(screen.getAllByTestId('buddy-item')).toHaveLength(3));

    emit('subscription-request', { account: ME, jid: 'fan@example.net' });
    emit('subscription-request', { account: ME, jid: 'shy@example.net' });
    emit('subscription-request', { account: ME, jid: 'fan@example.net' });
    emit('subscription-request', { account: 'other@example.org', jid: 'nobody@example.net' });
    await waitFor(() => expect(screen.getAllByTestId('subscription-request')).toHaveLength(2));
    const cards = () => screen.queryAllByTestId('subscription-request');
    expect(cards().map((c) => c.dataset.jid)).toEqual(['fan@example.net', 'shy@example.net']);
    expect(screen.getByRole('group', { name: 'fan@example.net wants to add you' })).toBe(cards()[0]);
    expect(cards()[0]).toHaveTextContent(/fan@example\.net\s*wants to add you/);
    // The cards come before the contacts.
    const list = screen.getByTestId('buddy-list');
    const firstBuddy = screen.getAllByTestId('buddy-item')[0] as HTMLElement;
    expect(list.firstElementChild?.contains(cards()[0] as HTMLElement)).toBe(true);
    expect((cards()[0] as HTMLElement).compareDocumentPosition(firstBuddy) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();

    await fireEvent.click(within(cards()[0] as HTMLElement).getByTestId('subscription-accept'));
    expect(ipc.answerSubscription).toHaveBeenCalledWith(ME, 'fan@example.net', true);
    await waitFor(() => expect(cards().map((c) => c.dataset.jid)).toEqual(['shy@example.net']));

    await fireEvent.click(within(cards()[0] as HTMLElement).getByTestId('subscription-decline'));
    expect(ipc.answerSubscription).toHaveBeenLastCalledWith(ME, 'shy@example.net', false);
    await waitFor(() => expect(cards()).toHaveLength(0));
  });

  it('keeps a request whose answer failed and says why, in Chinese', async () => {
    backend({ live: true, locale: 'zh-CN' });
    vi.mocked(ipc.answerSubscription).mockRejectedValue({ code: 'not_connected', message: 'gone' });
    render(App);
    await screen.findByTestId('main-view');
    emit('subscription-request', { account: ME, jid: 'fan@example.net' });
    const card = await screen.findByTestId('subscription-request');
    expect(screen.getByRole('group', { name: 'fan@example.net 想添加你为联系人' })).toBe(card);
    expect(screen.getByText('联系人请求')).toBeInTheDocument();
    await fireEvent.click(within(card).getByRole('button', { name: '接受 fan@example.net 的请求' }));
    expect(await within(card).findByRole('alert')).toHaveTextContent('无法处理请求：当前未连接。');
    expect(screen.getByTestId('subscription-request')).toBe(card);
    expect(within(card).getByTestId('subscription-accept')).toBeEnabled();
  });

  it('restores the presence and status last chosen when the account signs in again', async () => {
    backend({ live: false });
    vi.mocked(ipc.accounts).mockResolvedValue([{ ...account('offline'), show: 'dnd', status: 'Writing' }]);
    vi.mocked(ipc.login).mockReset();
    vi.mocked(ipc.login).mockResolvedValue({ ...account('online'), show: 'dnd', status: 'Writing' });
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: `Sign in as ${ME}` }));
    await screen.findByTestId('main-view');
    await waitFor(() => expect(ipc.accounts).toHaveBeenCalledTimes(2));
    emit('connection', { account: ME, state: 'online', error: null, retryInSecs: null });
    const presence = screen.getByTestId('presence-open');
    await waitFor(() => expect(presence).toHaveTextContent('Do not disturb'));
    expect(presence).toHaveTextContent('Writing');
  });

  it('says there are no contacts yet and offers to add one, instead of "pick someone"', async () => {
    backend({ live: true });
    vi.mocked(ipc.roster).mockResolvedValue([]);
    render(App);
    await screen.findByTestId('main-view');
    const text = await screen.findByTestId('empty-text');
    await waitFor(() => expect(text).toHaveTextContent('You have no contacts yet.'));
    expect(screen.queryByText(/Pick someone on the left/)).toBeNull();
    await fireEvent.click(screen.getByTestId('empty-add-contact'));
    expect(await screen.findByRole('dialog', { name: 'Add a contact' })).toBeInTheDocument();
  });

  it('keeps "pick someone on the left" when there are contacts', async () => {
    backend({ live: true, locale: 'zh-CN' });
    render(App);
    await screen.findByTestId('main-view');
    await waitFor(() => expect(screen.getAllByTestId('buddy-item')).toHaveLength(3));
    expect(screen.getByTestId('empty-text')).toHaveTextContent('在左侧选择联系人，开始聊天。');
    expect(screen.queryByTestId('empty-add-contact')).toBeNull();
  });

  it('clears the contact search after opening a chat from it and puts the keyboard in the composer', async () => {
    backend({ live: true });
    render(App);
    await screen.findByTestId('main-view');
    await waitFor(() => expect(screen.getAllByTestId('buddy-item')).toHaveLength(3));
    const filter = screen.getByTestId('roster-filter') as HTMLInputElement;
    await fireEvent.input(filter, { target: { value: 'ali' } });
    await fireEvent.keyDown(filter, { key: 'Enter' });
    expect(await screen.findByTestId('chat-title')).toHaveTextContent('Alice');
    expect(filter.value).toBe('');
    expect(screen.getAllByTestId('buddy-item')).toHaveLength(3);
    await waitFor(() => expect(screen.getByTestId('composer')).toHaveFocus());
  });
});
