// Initials and a stable colour for people who have no picture.

export const AVATAR_COLOURS = 10;

/** FNV-1a over the UTF-16 code units: fast, stable across runs and platforms. */
export function jidHash(jid: string): number {
  let h = 0x811c9dc5;
  const s = jid.toLowerCase();
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function avatarColour(jid: string): number {
  return jidHash(jid) % AVATAR_COLOURS;
}

function graphemes(s: string): string[] {
  if (typeof Intl !== 'undefined' && 'Segmenter' in Intl) {
    const seg = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    return Array.from(seg.segment(s), (x) => x.segment);
  }
  return Array.from(s);
}

const HAN = /\p{Script=Han}/u;

/**
 * "Alice Liddell" → "AL", "alice@wonderland" → "A", "李白" → "李白", "王小明" → "小明"
 * (Chinese avatars conventionally show the given name).
 */
export function initials(name: string | null, jid: string): string {
  const source = (name?.trim() || jid.split('@')[0] || jid).trim();
  const chars = graphemes(source.replace(/\s+/g, ' '));
  const first = chars[0] ?? '?';
  if (HAN.test(first)) {
    const han = chars.filter((c) => HAN.test(c));
    return han.length <= 2 ? han.join('') : han.slice(-2).join('');
  }
  const words = source.split(/[\s._-]+/).filter(Boolean);
  const a = graphemes(words[0] ?? first)[0] ?? first;
  const b = name?.trim() && words.length > 1 ? (graphemes(words[words.length - 1] ?? '')[0] ?? '') : '';
  return (a + b).toLocaleUpperCase();
}
