// Ordering and searching of the buddy list. Pure functions, so they can be tested in isolation.
import type { Contact, Conversation, Show } from '$lib/ipc/types';

/** One row of the buddy list: a roster contact, a conversation with a stranger, or both. */
export type BuddyEntry = {
  jid: string;
  name: string | null;
  show: Show;
  status: string | null;
  inRoster: boolean;
  askPending: boolean;
  unread: number;
  lastAt: number | null;
};

/** Lower ranks sort first. */
const SHOW_RANK: Record<Show, number> = { chat: 0, online: 0, away: 1, dnd: 2, xa: 3, offline: 4 };

export function showRank(show: Show): number {
  return SHOW_RANK[show] ?? SHOW_RANK.offline;
}

export function displayName(entry: { jid: string; name: string | null }): string {
  const name = entry.name?.trim();
  return name ? name : entry.jid;
}

/** Available people first (by how available), then by name in the locale's order. */
export function compareEntries(a: BuddyEntry, b: BuddyEntry, collator: Intl.Collator): number {
  const byShow = showRank(a.show) - showRank(b.show);
  if (byShow !== 0) return byShow;
  const byName = collator.compare(displayName(a), displayName(b));
  if (byName !== 0) return byName;
  return a.jid < b.jid ? -1 : a.jid > b.jid ? 1 : 0;
}

function fold(s: string): string {
  // NFKC folds full-width Latin (ＡＢＣ) into ASCII so "abc" finds it; CJK is unchanged.
  return s.normalize('NFKC').toLocaleLowerCase();
}

/** Case-insensitive substring match on the name or the JID. */
export function matchesFilter(entry: { jid: string; name: string | null }, query: string): boolean {
  const q = fold(query.trim());
  if (q === '') return true;
  return fold(entry.jid).includes(q) || (entry.name !== null && fold(entry.name).includes(q));
}

/** Merges roster contacts and conversations into buddy-list rows keyed by bare JID. */
export function buildEntries(
  contacts: Iterable<Contact>,
  conversations: Iterable<Conversation>,
): BuddyEntry[] {
  const byJid = new Map<string, BuddyEntry>();
  for (const c of contacts) {
    byJid.set(c.jid, {
      jid: c.jid,
      name: c.name,
      show: c.show,
      status: c.status,
      inRoster: c.inRoster,
      askPending: c.askPending,
      unread: 0,
      lastAt: null,
    });
  }
  for (const conv of conversations) {
    const existing = byJid.get(conv.peer);
    if (existing) {
      existing.unread = conv.unread;
      existing.lastAt = conv.last.sentAt;
      if (!existing.name && conv.name) existing.name = conv.name;
    } else {
      byJid.set(conv.peer, {
        jid: conv.peer,
        name: conv.name,
        show: 'offline',
        status: null,
        inRoster: false,
        askPending: false,
        unread: conv.unread,
        lastAt: conv.last.sentAt,
      });
    }
  }
  return [...byJid.values()];
}

function sameEntry(a: BuddyEntry, b: BuddyEntry): boolean {
  return (
    a.jid === b.jid &&
    a.name === b.name &&
    a.show === b.show &&
    a.status === b.status &&
    a.inRoster === b.inRoster &&
    a.askPending === b.askPending &&
    a.unread === b.unread &&
    a.lastAt === b.lastAt
  );
}

/**
 * `next`, with each row that equals the one `previous` held for its JID replaced by that
 * previous object: a keyed list then leaves the rows that did not change alone.
 */
export function keepUnchanged(next: BuddyEntry[], previous: ReadonlyMap<string, BuddyEntry>): BuddyEntry[] {
  return next.map((e) => {
    const old = previous.get(e.jid);
    return old && sameEntry(old, e) ? old : e;
  });
}

export type BuddySections = { contacts: BuddyEntry[]; strangers: BuddyEntry[] };

/**
 * Filters and sorts rows into the roster section and the "not in contacts" section. Strangers are
 * ordered by most recent message, since they have no presence to sort by.
 */
export function arrangeEntries(entries: BuddyEntry[], query: string, collator: Intl.Collator): BuddySections {
  const shown = entries.filter((e) => matchesFilter(e, query));
  const contacts = shown.filter((e) => e.inRoster).sort((a, b) => compareEntries(a, b, collator));
  const strangers = shown
    .filter((e) => !e.inRoster)
    .sort((a, b) => (b.lastAt ?? 0) - (a.lastAt ?? 0) || compareEntries(a, b, collator));
  return { contacts, strangers };
}

/**
 * The row `step` places from `current` in `list` as the buddy list shows it (Alt+↑/↓), or the
 * nearest one with unread messages. From no row, or one the list no longer shows, down starts at
 * the top and up at the bottom. Null past either end: the keys stop there rather than wrap round.
 */
export function neighbour(
  list: readonly BuddyEntry[],
  current: string | null,
  step: 1 | -1,
  unreadOnly = false,
): BuddyEntry | null {
  const at = current === null ? -1 : list.findIndex((e) => e.jid === current);
  let i = at >= 0 ? at + step : step > 0 ? 0 : list.length - 1;
  for (; i >= 0 && i < list.length; i += step) {
    const e = list[i] as BuddyEntry;
    if (!unreadOnly || e.unread > 0) return e;
  }
  return null;
}
