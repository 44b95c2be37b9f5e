// An in-memory stand-in for the desktop shell, used only when the UI runs in a plain browser tab
// (`npm run dev` without Tauri). It has a few contacts with presence and some canned history so
// every screen can be looked at. The desktop app never loads this module.
//
// Preview switches (query string): ?preview=main starts signed in, ?lang=en|zh-CN|zh-TW,
// ?theme=light|dark, ?conn=reconnecting|offline shows the connection banner, ?contacts=0 starts
// with a new account's empty roster and no history, ?autoconnect=0 stays on the login screen,
// ?os=linux|macos|windows picks the platform the words are for (default: guessed from the browser).
//
// Like the shell, it routes every address on the sandbox domain to the sandbox server by itself,
// keeps the presence last chosen per account, and lets a running sign-in be cancelled.
//
// A second after the preview account comes online, someone asks to add it (a subscription
// request, sent again on every later sign-in while unanswered, as servers do). Adding a contact
// puts them in the roster as waiting for authorization.
import type { Backend, Unlisten } from './transport';
import type {
  Account,
  AppInfo,
  CommandArgs,
  CommandName,
  CommandResult,
  Contact,
  Conversation,
  ErrorInfo,
  EventMap,
  EventName,
  Message,
  Os,
  Settings,
  Show,
} from './types';

const ME = 'yan@hongyan.example';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function guessOs(): Os {
  const ua = typeof navigator !== 'undefined' ? navigator.userAgent : '';
  if (/Mac OS X|Macintosh/.test(ua)) return 'macos';
  if (/Windows/.test(ua)) return 'windows';
  if (/Linux|X11/.test(ua)) return 'linux';
  return 'other';
}

function fail(code: ErrorInfo['code'], message: string, extra: Partial<ErrorInfo> = {}): never {
  throw { code, message, ...extra } satisfies ErrorInfo;
}

function contact(
  jid: string,
  name: string | null,
  show: Show,
  status: string | null = null,
  extra: Partial<Contact> = {},
): Contact {
  return {
    jid,
    name,
    groups: [],
    subscription: 'both',
    askPending: false,
    inRoster: true,
    show,
    status,
    resources: show === 'offline' ? [] : [{ resource: 'desktop', show, status, priority: 0 }],
    ...extra,
  };
}

function cannedContacts(): Contact[] {
  return [
    contact('li.bai@tang.example', '李白', 'online', '举杯邀明月，对影成三人'),
    contact('du.fu@tang.example', '杜甫', 'away', '在草堂'),
    contact('alice@wonderland.example', 'Alice Liddell', 'chat', 'Down the rabbit hole 🐇'),
    contact('bob@builder.example', 'Bob', 'dnd', 'In a meeting until 15:00'),
    contact('wang.xiaoming@example.cn', '王小明', 'xa', null),
    contact('carol@example.org', 'Carol', 'offline', null),
    contact('zhang.san@example.cn', null, 'offline', null, { subscription: 'none', askPending: true }),
    contact('echo@bots.example', 'Echo bot', 'online', 'I repeat what you say'),
  ];
}

/** Builds the canned history, relative to `now`. Ids grow with time. */
function cannedHistory(now: number): Map<string, Message[]> {
  const byPeer = new Map<string, Message[]>();
  let id = 1;
  const add = (peer: string, direction: 'in' | 'out', at: number, body: string, extra: Partial<Message> = {}) => {
    const m: Message = {
      id: id++,
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
    const list = byPeer.get(peer) ?? [];
    list.push(m);
    byPeer.set(peer, list);
  };

  // Alice: several days of chatter, enough for a few pages of history.
  const lines = [
    'Morning! Did you see the new build?',
    'Yes, it looks great. The dark theme is lovely 🌙',
    'I keep finding small things to tweak, you know how it is.',
    'Here is the spec: https://xmpp.org/extensions/xep-0313.html (message archive)',
    'Thanks, reading it now.',
    'Lunch later?',
    'Sure, 12:30 at the usual place 🍜',
    'Running five minutes late, sorry!',
    'No worries.',
    'That was fun 😄',
  ];
  const start = new Date(now - 4 * DAY);
  start.setHours(9, 0, 0, 0);
  let t = start.getTime();
  for (let i = 0; i < 118; i++) {
    t += (i % 10 === 9 ? 6 * HOUR : 7 * MINUTE) + (i % 3) * MINUTE;
    if (t > now - 3 * HOUR) break;
    add('alice@wonderland.example', i % 3 === 1 ? 'out' : 'in', t, lines[i % lines.length] ?? '…');
  }
  const base = new Date(now);
  base.setHours(0, 0, 0, 0);
  const today = base.getTime();
  const at = (h: number, m: number, dayOffset = 0) => today + dayOffset * DAY + h * HOUR + m * MINUTE;
  const clamp = (x: number) => Math.min(x, now - MINUTE);
  add('alice@wonderland.example', 'in', clamp(at(0, 12)), 'Still awake? Look at this:\nhttps://example.org/a/very/long/path/that/keeps/going/and/going/until/it/needs/to/wrap/somewhere?query=1&x=2');
  add('alice@wonderland.example', 'out', clamp(at(0, 15)), 'Supercalifragilisticexpialidocious-and-a-very-long-word-without-any-spaces-at-all-to-test-wrapping');
  add('alice@wonderland.example', 'in', clamp(at(0, 16)), 'Ha. Also <img src=x onerror=alert(1)> stays text, right?');
  add('alice@wonderland.example', 'out', clamp(at(0, 17)), 'Right. Plain text only.\n\n  Indented line\n    and a deeper one.');
  add('alice@wonderland.example', 'in', clamp(at(0, 20)), 'Write to me at mailto:alice@wonderland.example or xmpp:alice@wonderland.example?message');

  add('li.bai@tang.example', 'in', at(21, 5, -1), '床前明月光，疑是地上霜。\n举头望明月，低头思故乡。');
  add('li.bai@tang.example', 'out', at(21, 9, -1), '好诗！今晚的月亮确实很美 🌕');
  add('li.bai@tang.example', 'in', clamp(at(0, 30)), '明天一起去黄鹤楼吗？看看这个：https://zh.wikipedia.org/wiki/黄鹤楼。');
  add('li.bai@tang.example', 'in', clamp(at(0, 31)), '孤帆远影碧空尽，唯见长江天际流。');

  add('bob@builder.example', 'out', clamp(at(0, 2)), 'Can we fix it?');
  add('bob@builder.example', 'out', clamp(at(0, 3)), 'Hello? Are you there?', {
    state: 'failed',
    error: 'recipient-unavailable',
  });

  add('du.fu@tang.example', 'in', at(18, 40, -9), '国破山河在，城春草木深。');
  add('stranger@elsewhere.example', 'in', clamp(at(0, 25)), 'Hi, we met at the XMPP summit. Is this the right address?');
  return byPeer;
}

type Listeners = { [E in EventName]: Set<(payload: EventMap[E]) => void> };

export function createMockBackend(): Backend {
  const params = new URLSearchParams(typeof location !== 'undefined' ? location.search : '');
  const now = Date.now();
  const listeners: Listeners = {
    connection: new Set(),
    roster: new Set(),
    messages: new Set(),
    'message-updated': new Set(),
    'subscription-request': new Set(),
    'open-conversation': new Set(),
  };
  const emit = <E extends EventName>(event: E, payload: EventMap[E]) => {
    for (const handler of listeners[event]) (handler as (p: EventMap[E]) => void)(payload);
  };

  const lang = params.get('lang');
  const theme = params.get('theme');
  let settings: Settings = {
    language: lang === 'en' || lang === 'zh-CN' || lang === 'zh-TW' ? lang : 'auto',
    theme: theme === 'light' || theme === 'dark' ? theme : 'system',
  };
  const previewMain = params.get('preview') === 'main';
  const osParam = params.get('os');
  const os: Os = osParam === 'linux' || osParam === 'macos' || osParam === 'windows' ? osParam : guessOs();
  const SANDBOX = { domain: 'localhost', host: '127.0.0.1', port: 5222 };
  const accounts = new Map<string, Account>([
    [
      ME,
      {
        jid: ME,
        host: null,
        port: null,
        pinnedCertSha256: previewMain ? '3f9a1c0b7d2e4f5a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c' : null,
        resource: 'hongyan',
        autoConnect: params.get('autoconnect') !== '0',
        createdAt: now - 30 * DAY,
        lastLoginAt: now - DAY,
        hasPassword: true,
        state: previewMain ? 'online' : 'offline',
        show: 'online',
        status: null,
      },
    ],
  ]);
  const passwords = new Map<string, string>([[ME, 'secret']]);
  const fresh = params.get('contacts') === '0';
  const contacts = fresh ? [] : cannedContacts();
  const history = fresh ? new Map<string, Message[]>() : cannedHistory(now);
  const unread = new Map<string, number>(
    fresh
      ? []
      : [
          ['alice@wonderland.example', 2],
          ['li.bai@tang.example', 2],
          ['stranger@elsewhere.example', 1],
        ],
  );
  /** People asking to see the preview account's presence, until answered. */
  const requests = new Set<string>(['zhuge.liang@shu.example']);
  let nextId = 100_000;
  const UNTRUSTED = 'c0ffee00deadbeef0123456789abcdef00112233445566778899aabbccddeeff';
  /** Registrations and sign-ins under way, by the address in the request: cancel_login ends them. */
  const running = new Map<string, () => void>();

  /** Waits `ms` like a server would; rejects with `cancelled` if cancel_login comes first. */
  function work(jid: string, ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        running.delete(jid);
        resolve();
      }, ms);
      running.set(jid, () => {
        clearTimeout(timer);
        running.delete(jid);
        reject({ code: 'cancelled', message: 'cancelled by the user' } satisfies ErrorInfo);
      });
    });
  }

  /** Addresses on the sandbox domain go to the sandbox server, whatever host was given. */
  const onSandbox = (jid: string) => jid.split('@')[1]?.toLowerCase() === SANDBOX.domain;

  function connect(jid: string) {
    const account = accounts.get(jid);
    if (!account) return;
    account.state = 'connecting';
    emit('connection', { account: jid, state: 'connecting', error: null, retryInSecs: null });
    setTimeout(() => {
      account.state = 'online';
      emit('connection', { account: jid, state: 'online', error: null, retryInSecs: null });
      emit('roster', { account: jid, contacts: jid === ME ? contacts : [], replace: true });
      if (jid === ME) askAgain();
    }, 600);
  }

  /** The server hands unanswered subscription requests over again after each sign-in. */
  function askAgain() {
    setTimeout(() => {
      if (accounts.get(ME)?.state !== 'online') return;
      for (const jid of requests) emit('subscription-request', { account: ME, jid });
    }, 1000);
  }

  function upsertContact(next: Contact) {
    const i = contacts.findIndex((c) => c.jid === next.jid);
    if (i >= 0) contacts[i] = next;
    else contacts.push(next);
    setTimeout(() => emit('roster', { account: ME, contacts: [{ ...next }], replace: false }), 150);
  }

  const conn = params.get('conn');
  if (previewMain && (conn === 'reconnecting' || conn === 'offline')) {
    setTimeout(() => {
      const me = accounts.get(ME);
      if (me) me.state = conn;
      emit('connection', {
        account: ME,
        state: conn,
        error: conn === 'offline' ? { code: 'conflict', message: 'replaced by new connection' } : null,
        retryInSecs: conn === 'reconnecting' ? 5 : null,
      });
    }, 300);
  }

  if (previewMain) askAgain();

  function store(peer: string, message: Message) {
    const list = history.get(peer) ?? [];
    list.push(message);
    history.set(peer, list);
  }

  function reply(peer: string, body: string) {
    const t = Date.now();
    const message: Message = {
      id: nextId++,
      account: ME,
      peer,
      direction: 'in',
      body,
      sentAt: t,
      receivedAt: t,
      originId: null,
      stanzaId: null,
      state: 'received',
      error: null,
    };
    store(peer, message);
    unread.set(peer, (unread.get(peer) ?? 0) + 1);
    emit('messages', { account: ME, messages: [message] });
  }

  const handlers: { [C in CommandName]: (args: CommandArgs<C>) => Promise<CommandResult<C>> } = {
    async app_info(): Promise<AppInfo> {
      return {
        version: '0.1.0 (preview)',
        locale: typeof navigator !== 'undefined' ? navigator.language : 'en',
        sandbox: { ...SANDBOX },
        os,
      };
    },
    async get_settings() {
      return { ...settings };
    },
    async set_settings({ settings: next }) {
      settings = { ...next };
      return { ...settings };
    },
    async accounts() {
      return [...accounts.values()].map((a) => ({ ...a }));
    },
    async register_account({ request }) {
      await work(request.jid, 1200);
      const [local = ''] = request.jid.split('@');
      if (local === 'taken') fail('username_taken', 'conflict');
      if (local === 'captcha') fail('captcha_required', 'captcha', { url: 'https://example.org/register' });
      if (request.host === 'untrusted.example' && request.trustCertSha256 !== UNTRUSTED) {
        fail('cert_untrusted', 'certificate not trusted', { fingerprint: UNTRUSTED });
      }
      passwords.set(request.jid, request.password);
    },
    async login({ request }) {
      // A hanging server, to try the Cancel button.
      await work(request.jid, request.jid.startsWith('slow@') ? 60_000 : 1500);
      if (request.host === 'untrusted.example' && request.trustCertSha256 !== UNTRUSTED) {
        fail('cert_untrusted', 'certificate not trusted', { fingerprint: UNTRUSTED });
      }
      if (request.host === 'nowhere.example') fail('unreachable', 'connection refused');
      const known = passwords.get(request.jid);
      const password = request.password ?? known;
      if (password === undefined || (known !== undefined && password !== known) || password === 'wrong') {
        fail('auth_failed', 'not-authorized');
      }
      if (known === undefined) passwords.set(request.jid, password);
      const existing = accounts.get(request.jid);
      const sandboxed = onSandbox(request.jid);
      const account: Account = {
        jid: request.jid,
        host: sandboxed ? null : request.host,
        port: sandboxed ? null : request.port,
        pinnedCertSha256: request.trustCertSha256 ?? existing?.pinnedCertSha256 ?? null,
        resource: 'hongyan',
        autoConnect: true,
        createdAt: existing?.createdAt ?? Date.now(),
        lastLoginAt: Date.now(),
        hasPassword: request.remember || (existing?.hasPassword ?? false),
        state: 'connecting',
        show: existing?.show ?? 'online',
        status: existing?.status ?? null,
      };
      accounts.set(request.jid, account);
      setTimeout(() => connect(request.jid), 0);
      return { ...account };
    },
    async logout({ account }) {
      const a = accounts.get(account);
      if (a) a.state = 'offline';
      emit('connection', { account, state: 'offline', error: null, retryInSecs: null });
    },
    async cancel_login({ jid }) {
      running.get(jid)?.();
    },
    async forget_account({ account, keepHistory }) {
      accounts.delete(account);
      passwords.delete(account);
      if (!keepHistory && account === ME) {
        history.clear();
        unread.clear();
      }
    },
    async roster({ account }) {
      return account === ME ? contacts.map((c) => ({ ...c })) : [];
    },
    async conversations({ account }): Promise<Conversation[]> {
      if (account !== ME) return [];
      const out: Conversation[] = [];
      for (const [peer, list] of history) {
        const last = list[list.length - 1];
        if (!last) continue;
        const c = contacts.find((x) => x.jid === peer);
        out.push({ peer, name: c?.name ?? null, last, unread: unread.get(peer) ?? 0 });
      }
      return out;
    },
    async history({ peer, before, limit }) {
      await delay(250);
      const list = (history.get(peer) ?? [])
        .slice()
        .sort((a, b) => a.sentAt - b.sentAt || a.id - b.id)
        .filter((m) => !before || m.sentAt < before.at || (m.sentAt === before.at && m.id < before.id));
      return list.slice(Math.max(0, list.length - limit));
    },
    async send_message({ account, to, body }) {
      const acc = accounts.get(account);
      if (!acc || acc.state !== 'online') fail('not_connected', 'not connected');
      const t = Date.now();
      const message: Message = {
        id: nextId++,
        account,
        peer: to,
        direction: 'out',
        body,
        sentAt: t,
        receivedAt: t,
        originId: `mock-${t}`,
        stanzaId: null,
        state: 'pending',
        error: null,
      };
      store(to, message);
      setTimeout(() => emit('messages', { account, messages: [{ ...message }] }), 0);
      setTimeout(() => {
        const failed = /\bfail\b/i.test(body);
        message.state = failed ? 'failed' : 'sent';
        message.error = failed ? 'service-unavailable' : null;
        emit('message-updated', { account, message: { ...message } });
        if (!failed && to === 'echo@bots.example') setTimeout(() => reply(to, body), 900);
      }, 700);
      return { ...message };
    },
    async mark_read({ peer }) {
      unread.set(peer, 0);
    },
    async set_presence({ account, show, status }) {
      const chosen = accounts.get(account);
      if (chosen && show !== 'offline') {
        chosen.show = show;
        chosen.status = status;
      }
      if (show === 'offline') {
        emit('connection', { account, state: 'offline', error: null, retryInSecs: null });
        const a = accounts.get(account);
        if (a) a.state = 'offline';
      } else if (accounts.get(account)?.state === 'offline') {
        connect(account);
      }
    },
    async open_link({ url }) {
      window.open(url, '_blank', 'noopener,noreferrer');
    },
    async add_contact({ account, jid, name }) {
      await delay(400);
      if (accounts.get(account)?.state !== 'online') fail('not_connected', 'not connected');
      const bare = jid.trim();
      if (bare === account) fail('invalid_input', 'that is your own address');
      if (!/^[^@\s/]+@[^@\s/]+$/.test(bare)) fail('invalid_jid', 'not a bare JID');
      if (account !== ME) return;
      const known = contacts.find((c) => c.jid === bare);
      upsertContact(
        known
          ? { ...known, name: name ?? known.name, inRoster: true, askPending: known.subscription !== 'both' && known.subscription !== 'to' }
          : contact(bare, name, 'offline', null, { subscription: 'none', askPending: true }),
      );
    },
    async answer_subscription({ account, jid, approve }) {
      await delay(400);
      if (accounts.get(account)?.state !== 'online') fail('not_connected', 'not connected');
      if (account !== ME) return;
      requests.delete(jid);
      if (!approve) return;
      // Approving lets them see us and asks to see them in return.
      const known = contacts.find((c) => c.jid === jid);
      upsertContact(
        known
          ? { ...known, subscription: known.subscription === 'to' ? 'both' : 'from', inRoster: true }
          : contact(jid, null, 'offline', null, { subscription: 'from', askPending: true }),
      );
    },
    async subscription_requests({ account }) {
      return account === ME ? [...requests] : [];
    },
    async ui_ready() {
      // The browser tab has no window to show.
    },
  };

  return {
    invoke(command, args) {
      const handler = handlers[command] as (a: typeof args) => Promise<CommandResult<typeof command>>;
      return handler(args);
    },
    async listen(event, handler): Promise<Unlisten> {
      const set = listeners[event] as Set<typeof handler>;
      set.add(handler);
      return () => set.delete(handler);
    },
  };
}
