// Shapes exchanged with the Hongyan desktop shell over Tauri IPC.
// These mirror the serialised Rust types one to one (camelCase fields).

export const ERROR_CODES = [
  'auth_failed',
  'auth_temporary',
  'auth_protocol',
  'server_unverified',
  'unreachable',
  'dns_failed',
  'tls_failed',
  'cert_untrusted',
  'no_tls',
  'timeout',
  'stream_closed',
  'unreadable_input',
  'receive_loop',
  'no_mechanism',
  'invalid_jid',
  'invalid_input',
  'username_taken',
  'registration_closed',
  'not_acceptable',
  'captcha_required',
  'registration_failed',
  'not_connected',
  'conflict',
  'storage',
  'keyring',
  'internal',
  'cancelled',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorInfo = {
  code: ErrorCode;
  message: string;
  fingerprint?: string;
  url?: string;
};

export type Show = 'online' | 'chat' | 'away' | 'xa' | 'dnd' | 'offline';

export type SandboxInfo = { domain: string; host: string; port: number };

export type Os = 'linux' | 'macos' | 'windows' | 'other';

export type AppInfo = {
  version: string;
  /** OS locale, e.g. "zh-CN". */
  locale: string;
  /** The shell routes every address on `sandbox.domain` to the sandbox server by itself. */
  sandbox: SandboxInfo | null;
  os: Os;
};

export type LanguageSetting = 'auto' | 'en' | 'zh-CN' | 'zh-TW';
export type ThemeSetting = 'system' | 'light' | 'dark';

export type Settings = { language: LanguageSetting; theme: ThemeSetting };

export type ConnState = 'offline' | 'connecting' | 'online' | 'reconnecting';

export type Account = {
  jid: string;
  host: string | null;
  port: number | null;
  pinnedCertSha256: string | null;
  resource: string;
  autoConnect: boolean;
  createdAt: number;
  lastLoginAt: number | null;
  hasPassword: boolean;
  state: ConnState;
  /** The own presence last chosen for this account; the shell applies it at sign-in. */
  show: Show;
  status: string | null;
};

export type ResourcePresence = {
  resource: string;
  show: Show;
  status: string | null;
  priority: number;
};

export type Subscription = 'none' | 'to' | 'from' | 'both';

export type Contact = {
  jid: string;
  name: string | null;
  groups: string[];
  subscription: Subscription;
  askPending: boolean;
  inRoster: boolean;
  /** Presence of the best resource. */
  show: Show;
  status: string | null;
  resources: ResourcePresence[];
};

export type MessageState = 'pending' | 'sent' | 'failed' | 'received';

export type Message = {
  id: number;
  account: string;
  peer: string;
  direction: 'in' | 'out';
  body: string;
  /** Milliseconds since the epoch. */
  sentAt: number;
  receivedAt: number;
  originId: string | null;
  stanzaId: string | null;
  state: MessageState;
  error: string | null;
};

/** (sentAt, id) of the oldest message shown; history returns what lies before it. */
export type HistoryCursor = { at: number; id: number };

export type Conversation = {
  peer: string;
  name: string | null;
  last: Message;
  unread: number;
};

export type LoginRequest = {
  jid: string;
  /** null: use the password saved in the OS keyring. */
  password: string | null;
  host: string | null;
  port: number | null;
  remember: boolean;
  trustCertSha256: string | null;
};

export type RegisterRequest = {
  jid: string;
  password: string;
  host: string | null;
  port: number | null;
  trustCertSha256: string | null;
};

export type ConnectionEvent = {
  account: string;
  state: ConnState;
  error: ErrorInfo | null;
  retryInSecs: number | null;
};

export type RosterEvent = { account: string; contacts: Contact[]; replace: boolean };

export type MessagesEvent = { account: string; messages: Message[] };

export type MessageUpdatedEvent = { account: string; message: Message };

/** Someone who may not yet see our presence asks to (a presence subscription request). */
export type SubscriptionRequestEvent = { account: string; jid: string };
/** A notification about `peer` was clicked: show that conversation. */
export type OpenConversationEvent = { account: string; peer: string };

/** Event name → payload, as emitted by the shell. */
export type EventMap = {
  connection: ConnectionEvent;
  roster: RosterEvent;
  messages: MessagesEvent;
  'message-updated': MessageUpdatedEvent;
  'subscription-request': SubscriptionRequestEvent;
  'open-conversation': OpenConversationEvent;
};

export type EventName = keyof EventMap;

/** Command name → [arguments, result]. */
export type CommandMap = {
  app_info: [undefined, AppInfo];
  get_settings: [undefined, Settings];
  set_settings: [{ settings: Settings }, Settings];
  accounts: [undefined, Account[]];
  register_account: [{ request: RegisterRequest }, void];
  login: [{ request: LoginRequest }, Account];
  /** Aborts the registration or sign-in running for `jid`; that call rejects with `cancelled`. */
  cancel_login: [{ jid: string }, void];
  logout: [{ account: string }, void];
  forget_account: [{ account: string; keepHistory: boolean }, void];
  roster: [{ account: string }, Contact[]];
  conversations: [{ account: string }, Conversation[]];
  history: [{ account: string; peer: string; before: HistoryCursor | null; limit: number }, Message[]];
  send_message: [{ account: string; to: string; body: string }, Message];
  mark_read: [{ account: string; peer: string }, void];
  set_presence: [{ account: string; show: Show; status: string | null }, void];
  open_link: [{ url: string }, void];
  add_contact: [{ account: string; jid: string; name: string | null }, void];
  answer_subscription: [{ account: string; jid: string; approve: boolean }, void];
  subscription_requests: [{ account: string }, string[]];
  ui_ready: [undefined, void];
};

export type CommandName = keyof CommandMap;
export type CommandArgs<C extends CommandName> = CommandMap[C][0];
export type CommandResult<C extends CommandName> = CommandMap[C][1];
