// Quick-switcher matching: how well a typed query finds a name or an address, and which of its
// characters to highlight. Pure functions; pinyin comes from `readings` (pinyin.svelte.ts).
//
// A text is cut into units: a Latin word ("alice", "Liddell", "li" of "li.bai", "Bai" of
// "liBai") or one Chinese character, which may also be typed as any prefix of one of its
// readings. A query word matches best as a run of unit prefixes from the first unit on
// ("zs", "zhangsan", "zhangs", "张s" → 张三; "al", "aliceli" → Alice Liddell), then from a later
// unit ("bai" → 李白), then as a plain substring, then as letters in order that start a word.

export type Readings = (ch: string) => string[];

export type Unit = {
  /** What a query piece may be a prefix of (lower case; a character also matches itself). */
  keys: string[];
  han: boolean;
  /** Where the unit sits in the original text (UTF-16 offsets). */
  start: number;
  end: number;
};

/** [start, end) offsets in the original text to highlight. */
export type Range = [number, number];

export type FieldMatch = { score: number; ranges: Range[] };

const HAN = /\p{Script=Han}/u;
const WORD = /[\p{L}\p{N}\p{M}]/u;

function fold(s: string): string {
  return s.normalize('NFKC').toLocaleLowerCase();
}

/** Cuts `text` into words and characters (see the top of the file). */
export function units(text: string, readings: Readings): Unit[] {
  const out: Unit[] = [];
  let word: Unit | null = null;
  let prev = '';
  let i = 0;
  for (const ch of text) {
    const start = i;
    i += ch.length;
    if (HAN.test(ch)) {
      word = null;
      out.push({ keys: [ch, ...readings(ch)], han: true, start, end: i });
    } else if (WORD.test(ch)) {
      const boundary =
        word === null ||
        (/\p{Lu}/u.test(ch) && /\p{Ll}/u.test(prev)) ||
        (/\p{N}/u.test(ch) !== /\p{N}/u.test(prev));
      let current: Unit | null = word;
      if (boundary || current === null) {
        current = { keys: [''], han: false, start, end: i };
        out.push(current);
        word = current;
      }
      current.keys[0] += fold(ch);
      current.end = i;
    } else {
      word = null;
    }
    prev = ch;
  }
  return out;
}

type Run = { score: number; used: Array<[unit: number, length: number]> };

/**
 * The best way to type `q` as prefixes of consecutive units from `first` on: each unit takes a
 * non-empty prefix of one of its keys, the last one may stop early. Null when there is none.
 */
function run(q: string, list: Unit[], first: number): Run | null {
  const memo = new Map<number, Run | null>();
  const go = (qi: number, ui: number): Run | null => {
    if (qi === q.length) return { score: 0, used: [] };
    const unit = list[ui];
    if (!unit) return null;
    const id = qi * (list.length + 1) + ui;
    if (memo.has(id)) return memo.get(id) ?? null;
    let best: Run | null = null;
    const rest = unit.han ? q.slice(qi).replace(/v/g, 'u') : q.slice(qi);
    for (const key of unit.keys) {
      for (let len = Math.min(key.length, rest.length); len >= 1; len--) {
        if (!key.startsWith(rest.slice(0, len))) continue;
        const tail = go(qi + len, ui + 1);
        if (!tail) continue;
        // A whole reading or word counts more than part of it, part more than an initial, and
        // each unit used costs: "ali" is the start of Alice, not A(lice) Li(ddell).
        const score = tail.score + (len === key.length ? 4 : len > 1 ? 2 : 1) - 1.5;
        if (!best || score > best.score) best = { score, used: [[ui, len], ...tail.used] };
      }
    }
    memo.set(id, best);
    return best;
  };
  return go(0, first);
}

function rangesOf(list: Unit[], used: Run['used']): Range[] {
  return merge(used.map(([ui, len]): Range => {
    const u = list[ui] as Unit;
    // A Chinese character lights up whole; a word up to the letters typed.
    return u.han ? [u.start, u.end] : [u.start, Math.min(u.end, u.start + len)];
  }));
}

/** How well one query word (already folded) matches `text`; null when it does not. */
export function matchWord(q: string, text: string, list: Unit[]): FieldMatch | null {
  if (q === '' || list.length === 0) return null;
  const fromStart = run(q, list, 0);
  if (fromStart) {
    const whole = fold(text) === q ? 200 : 0;
    return { score: 1000 + whole + fromStart.score * 4, ranges: rangesOf(list, fromStart.used) };
  }
  let later: { at: number; run: Run } | null = null;
  for (let at = 1; at < list.length; at++) {
    const r = run(q, list, at);
    if (r && (!later || r.score > later.run.score)) later = { at, run: r };
  }
  if (later) return { score: 700 + later.run.score * 4 - later.at, ranges: rangesOf(list, later.run.used) };

  const folded = fold(text);
  // Folding keeps lengths for what people type (full-width letters, case); skip it when not.
  if (folded.length === text.length) {
    const at = folded.indexOf(q);
    if (at >= 0) return { score: 400 - Math.min(at, 50), ranges: [[at, at + q.length]] };
    const sub = subsequence(q, folded, list);
    if (sub) return { score: 100 + sub.score, ranges: sub.ranges };
  }
  return null;
}

/** Letters of `q` in order in `text`, the first one at the start of a unit. */
function subsequence(q: string, text: string, list: Unit[]): FieldMatch | null {
  if (q.length < 2) return null;
  const starts = new Set(list.map((u) => u.start));
  let best: FieldMatch | null = null;
  for (const first of starts) {
    if (text[first] !== q[0]) continue;
    const ranges: Range[] = [[first, first + 1]];
    let ti = first + 1;
    let gaps = 0;
    let qi = 1;
    for (; qi < q.length && ti < text.length; ti++) {
      if (text[ti] !== q[qi]) continue;
      const last = ranges[ranges.length - 1] as Range;
      if (last[1] === ti) last[1] = ti + 1;
      else {
        ranges.push([ti, ti + 1]);
        gaps++;
      }
      qi++;
    }
    if (qi < q.length) continue;
    const score = Math.max(0, 100 - gaps * 15 - first);
    if (!best || score > best.score) best = { score, ranges };
  }
  return best;
}

/** The query's words, folded: every one of them has to match. */
export function queryWords(query: string): string[] {
  return fold(query)
    .split(/[\s\u3000]+/)
    .filter((w) => w !== '');
}

export type Searchable = { name: string; nameUnits: Unit[]; jid: string; jidUnits: Unit[] };

export function searchable(name: string, jid: string, readings: Readings): Searchable {
  return { name, nameUnits: units(name, readings), jid, jidUnits: units(jid, readings) };
}

export type Match = { score: number; name: Range[]; jid: Range[] };

/**
 * Scores a contact for the query: each word must match the name or the address (the name
 * counts more). Null when some word matches neither.
 */
export function matchContact(words: string[], s: Searchable): Match | null {
  let score = 0;
  const name: Range[] = [];
  const jid: Range[] = [];
  for (const w of words) {
    const n = matchWord(w, s.name, s.nameUnits);
    const j = s.jid === s.name ? null : matchWord(w, s.jid, s.jidUnits);
    if (!n && !j) return null;
    if (n && (!j || n.score >= j.score - 50)) {
      score += n.score;
      name.push(...n.ranges);
    } else if (j) {
      score += j.score - 50;
      jid.push(...j.ranges);
    }
  }
  return { score, name: merge(name), jid: merge(jid) };
}

function merge(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** `text` cut into plain and highlighted pieces, for rendering as text nodes. */
export function pieces(text: string, ranges: Range[]): Array<{ text: string; hit: boolean }> {
  const out: Array<{ text: string; hit: boolean }> = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start > at) out.push({ text: text.slice(at, start), hit: false });
    out.push({ text: text.slice(start, end), hit: true });
    at = end;
  }
  if (at < text.length) out.push({ text: text.slice(at), hit: false });
  return out;
}
