// Finds links in message text. The result is data: the view renders text segments as text nodes
// and link segments as anchors, so nothing in a message is ever parsed as HTML.

export type Segment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// A scheme we open, then everything up to whitespace or characters that never belong to a link
// in running text (angle brackets, quotes, CJK punctuation and full-width forms).
const LINK =
  /\b(?:(?:https?):\/\/[^\s<>"'`\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+|(?:mailto|xmpp):[^\s<>"'`\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+)/giu;

const TRAILING_PUNCT = /[.,;:!?…]+$/u;
const PAIRS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Drops sentence punctuation and unbalanced closing brackets from the end of a link. */
function trimLink(candidate: string): string {
  let s = candidate;
  for (;;) {
    const before = s;
    s = s.replace(TRAILING_PUNCT, '');
    const lastChar = s.slice(-1);
    const open = PAIRS[lastChar];
    if (open) {
      const opens = s.split(open).length - 1;
      const closes = s.split(lastChar).length - 1;
      if (closes > opens) s = s.slice(0, -1);
    }
    if (s === before) return s;
  }
}

function isUsable(link: string): boolean {
  const lower = link.toLowerCase();
  if (lower.startsWith('http://') || lower.startsWith('https://')) {
    return link.length > link.indexOf('//') + 2;
  }
  // mailto:x / xmpp:x need something after the colon.
  return link.length > link.indexOf(':') + 1;
}

export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let cursor = 0;
  LINK.lastIndex = 0;
  for (let m = LINK.exec(text); m !== null; m = LINK.exec(text)) {
    const link = trimLink(m[0]);
    if (!isUsable(link)) continue;
    if (m.index > cursor) segments.push({ kind: 'text', text: text.slice(cursor, m.index) });
    segments.push({ kind: 'link', text: link, href: link });
    cursor = m.index + link.length;
    LINK.lastIndex = cursor;
  }
  if (cursor < text.length) segments.push({ kind: 'text', text: text.slice(cursor) });
  return segments;
}
