// Shape checks for a bare JID (localpart@domain) as a person types it. The server has the last
// word; this only catches what is certainly wrong and says how to fix it.

export type JidProblem =
  | 'empty'
  | 'spaces'
  | 'noAt'
  | 'manyAt'
  | 'noLocal'
  | 'noDomain'
  | 'badLocal'
  | 'domain'
  | 'resource'
  | 'tooLong';

// RFC 7622 §3.3.1: these may not appear in a localpart.
const LOCAL_FORBIDDEN = /["&'/:<>@]/u;
// One DNS label: letters (any script), digits, hyphens inside.
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;
const IPV6 = /^\[[0-9a-f:.]+\]$/i;
const utf8Length = (s: string) => new TextEncoder().encode(s).length;

export function domainLooksValid(domain: string): boolean {
  if (IPV4.test(domain) || IPV6.test(domain)) return true;
  if (utf8Length(domain) > 253) return false;
  const labels = domain.split('.');
  // A single trailing dot (fully qualified form) is allowed.
  if (labels.length > 1 && labels[labels.length - 1] === '') labels.pop();
  if (labels.length > 1 && /^\d+$/.test(labels[labels.length - 1] ?? '')) return false;
  return labels.every((l) => LABEL.test(l));
}

/** The first problem with `input` as a bare JID, or null when it looks right. Ends are trimmed. */
export function validateJid(input: string): JidProblem | null {
  const s = input.trim();
  if (s === '') return 'empty';
  if (/\s/u.test(s)) return 'spaces';
  const at = s.split('@');
  if (at.length === 1) return 'noAt';
  if (at.length > 2) return 'manyAt';
  const [local = '', rest = ''] = at;
  if (local === '') return 'noLocal';
  if (LOCAL_FORBIDDEN.test(local)) return 'badLocal';
  const slash = rest.indexOf('/');
  const domain = slash >= 0 ? rest.slice(0, slash) : rest;
  if (domain === '') return 'noDomain';
  if (slash >= 0) return 'resource';
  if (utf8Length(local) > 1023 || utf8Length(domain) > 1023) return 'tooLong';
  if (!domainLooksValid(domain)) return 'domain';
  return null;
}

/** Splits a valid bare JID. */
export function splitJid(jid: string): { local: string; domain: string } {
  const s = jid.trim();
  const at = s.indexOf('@');
  return at < 0 ? { local: '', domain: s } : { local: s.slice(0, at), domain: s.slice(at + 1) };
}

export type PortProblem = 'invalid';

/** Empty means "not set". Otherwise a whole number 1–65535. */
export function parsePort(input: string): { port: number | null; problem: PortProblem | null } {
  const s = input.trim();
  if (s === '') return { port: null, problem: null };
  if (!/^\d{1,5}$/.test(s)) return { port: null, problem: 'invalid' };
  const n = Number(s);
  return n >= 1 && n <= 65535 ? { port: n, problem: null } : { port: null, problem: 'invalid' };
}
