// Toneless pinyin readings of Chinese characters, for matching names typed in Latin letters.
// The table (pinyinTable.ts, ~34 kB) is its own chunk: it loads the first time the quick switcher
// opens, and matching is redone when it arrives. Until then Chinese names match by their characters.

type Table = typeof import('./pinyinTable');

type Decoded = {
  syllables: string[];
  start: number;
  primary: Uint16Array;
  extra: Map<number, number[]>;
};

/** Reactive: becomes true once the table is in (components re-match then). */
export const pinyinState: { ready: boolean } = $state({ ready: false });

let decoded: Decoded | null = null;
let loading: Promise<void> | null = null;

/** Unpacks the generated table (see scripts/pinyin-table.mjs for the format). */
export function decodeTable(table: Table): Decoded {
  const { ALPHABET, FIRST, START, SYLLABLES, PRIMARY, EXTRA } = table;
  const value = new Map([...ALPHABET].map((c, i) => [c, i]));
  const syllables = SYLLABLES.split(' ').map((s) => (s === '-' ? '' : s));
  /** Reads one code at `i`; returns [index, next position]. */
  const read = (s: string, i: number): [number, number] => {
    const a = value.get(s[i] ?? '') ?? 0;
    if (a < FIRST) return [a, i + 1];
    const b = value.get(s[i + 1] ?? '') ?? 0;
    return [FIRST + (a - FIRST) * ALPHABET.length + b, i + 2];
  };
  const primary: number[] = [];
  for (let i = 0; i < PRIMARY.length; ) {
    const [n, next] = read(PRIMARY, i);
    primary.push(n);
    i = next;
  }
  const extra = new Map<number, number[]>();
  for (let i = 0; i < EXTRA.length; ) {
    const cp = EXTRA.charCodeAt(i++);
    const list: number[] = [];
    while (i < EXTRA.length && value.has(EXTRA[i] ?? '')) {
      const [n, next] = read(EXTRA, i);
      list.push(n);
      i = next;
    }
    extra.set(cp, list);
  }
  return { syllables, start: START, primary: Uint16Array.from(primary), extra };
}

/** Loads the table once; later calls share the first. */
export function loadPinyin(): Promise<void> {
  loading ??= import('./pinyinTable').then((table) => {
    decoded = decodeTable(table);
    pinyinState.ready = true;
  });
  return loading;
}

/**
 * The readings of one character, most common first ("zhang"; "ceng", "zeng"), ü written u, so
 * "lu" finds 吕 and 路 alike. Empty for anything else, and until the table has loaded.
 */
export function readingsOf(ch: string): string[] {
  const table = decoded;
  if (!table) return [];
  const cp = ch.codePointAt(0) ?? 0;
  const out: string[] = [];
  const at = cp - table.start;
  if (at >= 0 && at < table.primary.length) {
    const s = table.syllables[table.primary[at] ?? 0];
    if (s) out.push(s);
  }
  for (const n of table.extra.get(cp) ?? []) {
    const s = table.syllables[n];
    if (s && !out.includes(s)) out.push(s);
  }
  return out.map((s) => s.replace(/v/g, 'u'));
}
