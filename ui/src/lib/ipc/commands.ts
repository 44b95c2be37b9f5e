// Typed wrappers around the shell's commands. Every function rejects with an ErrorInfo.
import { backend } from './transport';
import {
  ERROR_CODES,
  type Account,
  type AppInfo,
  type CommandArgs,
  type CommandName,
  type CommandResult,
  type Contact,
  type Conversation,
  type ErrorCode,
  type ErrorInfo,
  type HistoryCursor,
  type LoginRequest,
  type Message,
  type RegisterRequest,
  type Settings,
  type Show,
} from './types';

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** True for a code this UI has words for. Unknown codes are shown with the backend's message. */
export function isKnownErrorCode(code: string): code is ErrorCode {
  return KNOWN_CODES.has(code);
}

/** Turns whatever a rejected call produced into an ErrorInfo. */
export function toErrorInfo(e: unknown): ErrorInfo {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const raw = e as { code: string; message?: unknown; fingerprint?: unknown; url?: unknown };
    const info: ErrorInfo = {
      code: raw.code as ErrorCode,
      message: typeof raw.message === 'string' ? raw.message : '',
    };
    if (typeof raw.fingerprint === 'string' && raw.fingerprint) info.fingerprint = raw.fingerprint;
    if (typeof raw.url === 'string' && raw.url) info.url = raw.url;
    return info;
  }
  if (e instanceof Error) return { code: 'internal', message: e.message };
  return { code: 'internal', message: typeof e === 'string' ? e : String(e) };
}

async function call<C extends CommandName>(command: C, args: CommandArgs<C>): Promise<CommandResult<C>> {
  try {
    const b = await backend();
    return await b.invoke(command, args);
  } catch (e) {
    throw toErrorInfo(e);
  }
}

export const appInfo = (): Promise<AppInfo> => call('app_info', undefined);
export const getSettings = (): Promise<Settings> => call('get_settings', undefined);
export const setSettings = (settings: Settings): Promise<Settings> => call('set_settings', { settings });
export const accounts = (): Promise<Account[]> => call('accounts', undefined);
export const registerAccount = (request: RegisterRequest): Promise<void> =>
  call('register_account', { request });
export const login = (request: LoginRequest): Promise<Account> => call('login', { request });
/** Aborts the registration or sign-in running for `jid` (the address as sent in the request). */
export const cancelLogin = (jid: string): Promise<void> => call('cancel_login', { jid });
export const logout = (account: string): Promise<void> => call('logout', { account });
/**
 * Removes the account from this computer: the login list entry, its password in the OS keyring,
 * its pinned certificate and cached contacts, and its local messages unless `keepHistory`.
 * Nothing on the server is touched.
 */
export const forgetAccount = (account: string, keepHistory: boolean): Promise<void> =>
  call('forget_account', { account, keepHistory });
export const roster = (account: string): Promise<Contact[]> => call('roster', { account });
export const conversations = (account: string): Promise<Conversation[]> =>
  call('conversations', { account });
/** Messages before `before` (or the newest when null), oldest first. */
export const history = (
  account: string,
  peer: string,
  before: HistoryCursor | null,
  limit: number,
): Promise<Message[]> => call('history', { account, peer, before, limit });
/** Resolves with the stored message in state 'pending'. */
export const sendMessage = (account: string, to: string, body: string): Promise<Message> =>
  call('send_message', { account, to, body });
export const markRead = (account: string, peer: string): Promise<void> =>
  call('mark_read', { account, peer });
export const setPresence = (account: string, show: Show, status: string | null): Promise<void> =>
  call('set_presence', { account, show, status });
/** The shell opens http(s), mailto and xmpp links outside the app. */
export const openLink = (url: string): Promise<void> => call('open_link', { url });
/** Adds `jid` to the roster (with an optional name) and asks to see their presence. */
export const addContact = (account: string, jid: string, name: string | null): Promise<void> =>
  call('add_contact', { account, jid, name });
/** Answers a subscription request; approving also asks to see their presence in return. */
export const answerSubscription = (account: string, jid: string, approve: boolean): Promise<void> =>
  call('answer_subscription', { account, jid, approve });
/** Bare JIDs that asked to see our presence and have not been answered yet. */
export const subscriptionRequests = (account: string): Promise<string[]> =>
  call('subscription_requests', { account });
/** Tells the shell the first frame is painted (it shows the window then). */
export const uiReady = (): Promise<void> => call('ui_ready', undefined);
