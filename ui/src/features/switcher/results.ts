// What the quick switcher lists for a query: every contact and conversation, best match first.
import { displayName, type BuddyEntry } from '../roster/sort';
import { matchContact, queryWords, searchable, type Match, type Readings, type Searchable } from './match';

export type SwitcherItem = {
  entry: BuddyEntry;
  name: string;
  /** Highlights, when the query matched. */
  match: Match | null;
  /** Talked to lately (a message or an open), for the empty query's first section. */
  recent: boolean;
};

/** Searchable forms, kept per row object: a list that did not change is not cut up again. */
const cache = new WeakMap<BuddyEntry, { readings: Readings; ready: boolean; value: Searchable }>();

function searchableOf(entry: BuddyEntry, readings: Readings, ready: boolean): Searchable {
  const hit = cache.get(entry);
  if (hit && hit.readings === readings && hit.ready === ready) return hit.value;
  const value = searchable(displayName(entry), entry.jid, readings);
  cache.set(entry, { readings, ready, value });
  return value;
}

/**
 * The list for `query`. Empty query: recent conversations, newest first (the one on screen last
 * of them, so Enter goes back to the previous chat), then everyone else by name. Otherwise the
 * matches, best first; equal matches by recency, then by name.
 */
export function switcherResults(
  entries: readonly BuddyEntry[],
  query: string,
  options: {
    /** When each chat was last opened in this window (ms). */
    opened: ReadonlyMap<string, number>;
    current: string | null;
    collator: Intl.Collator;
    readings: Readings;
    /** Whether `readings` knows pinyin yet (the cache is redone when it starts to). */
    pinyinReady?: boolean;
  },
): SwitcherItem[] {
  const { opened, current, collator, readings } = options;
  const lastSeen = (e: BuddyEntry) => Math.max(e.lastAt ?? 0, opened.get(e.jid) ?? 0);
  const byName = (a: SwitcherItem, b: SwitcherItem) =>
    collator.compare(a.name, b.name) || (a.entry.jid < b.entry.jid ? -1 : a.entry.jid > b.entry.jid ? 1 : 0);
  const words = queryWords(query);

  if (words.length === 0) {
    const items = entries.map((entry) => ({ entry, name: displayName(entry), match: null, recent: lastSeen(entry) > 0 }));
    const recent = items
      .filter((i) => i.recent)
      .sort((a, b) => {
        const cur = Number(a.entry.jid === current) - Number(b.entry.jid === current);
        return cur || lastSeen(b.entry) - lastSeen(a.entry) || byName(a, b);
      });
    const rest = items.filter((i) => !i.recent).sort(byName);
    return [...recent, ...rest];
  }

  const out: SwitcherItem[] = [];
  for (const entry of entries) {
    const match = matchContact(words, searchableOf(entry, readings, options.pinyinReady ?? false));
    if (match) out.push({ entry, name: displayName(entry), match, recent: lastSeen(entry) > 0 });
  }
  return out.sort(
    (a, b) => (b.match?.score ?? 0) - (a.match?.score ?? 0) || lastSeen(b.entry) - lastSeen(a.entry) || byName(a, b),
  );
}
