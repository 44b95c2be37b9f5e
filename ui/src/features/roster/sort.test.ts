import { describe, expect, it } from 'vitest';
import type { Contact, Conversation, Message, Show } from '$lib/ipc/types';
import { arrangeEntries, buildEntries, displayName, matchesFilter, neighbour, showRank, type BuddyEntry } from './sort';

function contact(jid: string, name: string | null, show: Show, extra: Partial<Contact> = {}): Contact {
  return {
    jid,
    name,
    groups: [],
    subscription: 'both',
    askPending: false,
    inRoster: true,
    show,
    status: null,
    resources: [],
    ...extra,
  };
}

function conversation(peer: string, unread: number, sentAt: number, name: string | null = null): Conversation {
  const last: Message = {
    id: sentAt,
    account: 'me@example.org',
    peer,
    direction: 'in',
    body: 'hi',
    sentAt,
    receivedAt: sentAt,
    originId: null,
    stanzaId: null,
    state: 'received',
    error: null,
  };
  return { peer, name, last, unread };
}

const zh = new Intl.Collator('zh-CN', { sensitivity: 'base', numeric: true });
const en = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
const order = (list: { jid: string }[]) => list.map((e) => e.jid);

describe('showRank', () => {
  it('orders available before away before dnd before xa before offline', () => {
    const shows: Show[] = ['offline', 'xa', 'dnd', 'away', 'online', 'chat'];
    const sorted = [...shows].sort((a, b) => showRank(a) - showRank(b));
    expect(sorted.slice(0, 2).sort()).toEqual(['chat', 'online']);
    expect(sorted.slice(2)).toEqual(['away', 'dnd', 'xa', 'offline']);
  });
});

describe('arrangeEntries', () => {
  const contacts = [
    contact('zed@example.org', 'Zed', 'offline'),
    contact('amy@example.org', 'Amy', 'offline'),
    contact('bob@example.org', 'bob', 'away'),
    contact('carl@example.org', 'Carl', 'online'),
    contact('dora@example.org', 'Dora', 'chat'),
    contact('eve@example.org', null, 'dnd'),
    contact('fay@example.org', 'Fay', 'xa'),
  ];

  it('puts online contacts first by show rank, then by name', () => {
    const { contacts: rows } = arrangeEntries(buildEntries(contacts, []), '', en);
    expect(order(rows)).toEqual([
      'carl@example.org',
      'dora@example.org',
      'bob@example.org',
      'eve@example.org',
      'fay@example.org',
      'amy@example.org',
      'zed@example.org',
    ]);
  });

  it('sorts Chinese names in pinyin order with the zh-CN collator', () => {
    const people = [
      contact('zhang@example.cn', '张伟', 'online'),
      contact('li@example.cn', '李白', 'online'),
      contact('a@example.cn', '阿明', 'online'),
      contact('wang@example.cn', '王小明', 'online'),
      contact('chen@example.cn', '陈静', 'offline'),
      contact('ba@example.cn', '白居易', 'offline'),
    ];
    const { contacts: rows } = arrangeEntries(buildEntries(people, []), '', zh);
    expect(rows.map((r) => r.name)).toEqual(['阿明', '李白', '王小明', '张伟', '白居易', '陈静']);
  });

  it('filters by name or JID, case-insensitively, including Chinese and full-width text', () => {
    const people = [
      contact('li.bai@tang.example', '李白', 'online'),
      contact('du.fu@tang.example', '杜甫', 'away'),
      contact('Alice@Wonderland.example', 'Alice', 'online'),
      contact('bob@example.org', 'ＢＯＢ', 'online'),
    ];
    const entries = buildEntries(people, []);
    expect(order(arrangeEntries(entries, 'TANG', en).contacts).sort()).toEqual([
      'du.fu@tang.example',
      'li.bai@tang.example',
    ]);
    expect(order(arrangeEntries(entries, '李', en).contacts)).toEqual(['li.bai@tang.example']);
    expect(order(arrangeEntries(entries, 'wonderland', en).contacts)).toEqual(['Alice@Wonderland.example']);
    expect(order(arrangeEntries(entries, 'bob', en).contacts)).toEqual(['bob@example.org']);
    expect(arrangeEntries(entries, 'nobody', en).contacts).toEqual([]);
    expect(arrangeEntries(entries, '   ', en).contacts).toHaveLength(4);
  });

  it('lists peers outside the roster separately, most recent conversation first', () => {
    const entries = buildEntries(
      [contact('amy@example.org', 'Amy', 'online'), contact('ghost@example.org', 'Ghost', 'offline', { inRoster: false })],
      [
        conversation('amy@example.org', 3, 50),
        conversation('stranger@else.example', 1, 100),
        conversation('old@else.example', 0, 10),
      ],
    );
    const { contacts: rows, strangers } = arrangeEntries(entries, '', en);
    expect(order(rows)).toEqual(['amy@example.org']);
    expect(rows[0]?.unread).toBe(3);
    expect(order(strangers)).toEqual(['stranger@else.example', 'old@else.example', 'ghost@example.org']);
    expect(strangers[0]).toMatchObject({ inRoster: false, show: 'offline', unread: 1 });
  });
});

describe('displayName and matchesFilter', () => {
  it('falls back to the JID when there is no (or a blank) name', () => {
    expect(displayName({ jid: 'a@b.c', name: null })).toBe('a@b.c');
    expect(displayName({ jid: 'a@b.c', name: '  ' })).toBe('a@b.c');
    expect(displayName({ jid: 'a@b.c', name: 'Ann' })).toBe('Ann');
  });
  it('matches a part of the JID when the name does not match', () => {
    expect(matchesFilter({ jid: 'wang.xiaoming@example.cn', name: '王小明' }, 'xiaoming')).toBe(true);
    expect(matchesFilter({ jid: 'wang.xiaoming@example.cn', name: '王小明' }, '小明')).toBe(true);
    expect(matchesFilter({ jid: 'wang.xiaoming@example.cn', name: '王小明' }, '李')).toBe(false);
  });
});

describe('neighbour', () => {
  const row = (jid: string, unread = 0): BuddyEntry => ({
    jid,
    name: null,
    show: 'online',
    status: null,
    inRoster: true,
    askPending: false,
    unread,
    lastAt: null,
  });
  const list = [row('a'), row('b', 2), row('c'), row('d', 1), row('e')];
  const to = (current: string | null, step: 1 | -1, unread = false) => neighbour(list, current, step, unread)?.jid ?? null;

  it('steps up and down the list and stops at its ends', () => {
    expect(to('c', 1)).toBe('d');
    expect(to('c', -1)).toBe('b');
    expect(to('a', -1)).toBeNull();
    expect(to('e', 1)).toBeNull();
  });

  it('starts at the top going down and at the bottom going up, from no chat or a hidden one', () => {
    expect(to(null, 1)).toBe('a');
    expect(to(null, -1)).toBe('e');
    expect(to('zz', 1)).toBe('a');
    expect(neighbour([], null, 1)).toBeNull();
  });

  it('skips to the nearest chat with unread messages', () => {
    expect(to('a', 1, true)).toBe('b');
    expect(to('b', 1, true)).toBe('d');
    expect(to('e', -1, true)).toBe('d');
    expect(to('b', -1, true)).toBeNull();
    expect(to(null, -1, true)).toBe('d');
  });
});
