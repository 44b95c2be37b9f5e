// xmpp: URIs (RFC 5122, actions from XEP-0147): `xmpp:user@example.org?message;body=Hi`.
// Links in messages come from other people: anything that does not parse into a plain address
// is refused rather than guessed at.

export type XmppAction = 'message' | 'subscribe' | 'roster' | 'join' | 'other';

export type XmppUri = {
  /** Bare address, lower-cased domain. */
  jid: string;
  action: XmppAction | null;
  /** `body=` of a message action. */
  body: string | null;
};

const KNOWN: ReadonlySet<string> = new Set(['message', 'subscribe', 'roster', 'join']);

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

export function isXmppHref(href: string): boolean {
  return /^xmpp:/i.test(href.trim());
}

export function parseXmppUri(href: string): XmppUri | null {
  const text = href.trim();
  if (!isXmppHref(text)) return null;
  let rest = text.slice(5);
  // An authority (`xmpp://me@example.org/…`) names the account to use; the target follows.
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    if (slash < 0) return null;
    rest = rest.slice(slash + 1);
  }
  const [path = '', query = ''] = splitOnce(rest.split('#')[0] ?? '', '?');
  const address = decode(path);
  if (!address || /[\s/<>"'&]/.test(address) || address.length > 3071) return null;
  const at = address.indexOf('@');
  const local = at >= 0 ? address.slice(0, at) : '';
  const domain = (at >= 0 ? address.slice(at + 1) : address).toLowerCase();
  if ((at >= 0 && !local) || !domain || domain.includes('@') || !/^[^.].*[^.]$|^[^.]$/.test(domain)) return null;
  const jid = local ? `${local}@${domain}` : domain;

  const [rawAction = '', ...params] = query ? query.split(';') : [];
  const actionName = decode(rawAction)?.toLowerCase() ?? '';
  const action: XmppAction | null = !actionName ? null : KNOWN.has(actionName) ? (actionName as XmppAction) : 'other';
  let body: string | null = null;
  if (action === 'message') {
    for (const p of params) {
      const [key, value = ''] = splitOnce(p, '=');
      if (key.toLowerCase() === 'body') body = decode(value);
    }
  }
  return { jid, action, body };
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}
