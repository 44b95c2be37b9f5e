import { describe, expect, it } from 'vitest';
import type { Message } from '$lib/ipc/types';
import { formatDay, setLocale } from '../../i18n';
import { groupByDay, localDayKey } from './days';

let nextId = 1;
function msg(at: Date, direction: 'in' | 'out' = 'in'): Message {
  const t = at.getTime();
  return {
    id: nextId++,
    account: 'me@example.org',
    peer: 'you@example.org',
    direction,
    body: 'x',
    sentAt: t,
    receivedAt: t,
    originId: null,
    stanzaId: null,
    state: direction === 'in' ? 'received' : 'sent',
    error: null,
  };
}

describe('groupByDay', () => {
  it('splits at local midnight, not at UTC midnight', () => {
    // The test run pins TZ=Asia/Shanghai (UTC+8): 23:58 and 00:03 local straddle local midnight
    // but fall on the same UTC date (15:58 and 16:03 UTC).
    const before = msg(new Date(2024, 2, 9, 23, 58));
    const after = msg(new Date(2024, 2, 10, 0, 3));
    expect(new Date(before.sentAt).getUTCDate()).toBe(new Date(after.sentAt).getUTCDate());
    const groups = groupByDay([before, after]);
    expect(groups.map((g) => g.key)).toEqual(['2024-3-9', '2024-3-10']);
    expect(groups[0]?.items.map((i) => i.message.id)).toEqual([before.id]);
    expect(groups[1]?.items.map((i) => i.message.id)).toEqual([after.id]);
    expect(groups[1]?.day).toBe(new Date(2024, 2, 10).getTime());
  });

  it('keeps messages of one day together, in order', () => {
    const day = [8, 9, 12, 18, 23].map((h) => msg(new Date(2024, 5, 1, h, 0)));
    const groups = groupByDay(day);
    expect(groups).toHaveLength(1);
    expect(groups[0]?.items.map((i) => i.message.id)).toEqual(day.map((m) => m.id));
  });

  it('marks runs from one side; a run never crosses midnight or a long pause', () => {
    const a = msg(new Date(2024, 0, 1, 23, 57), 'out');
    const b = msg(new Date(2024, 0, 1, 23, 59), 'out');
    const c = msg(new Date(2024, 0, 2, 0, 0), 'out'); // new day → new run
    const d = msg(new Date(2024, 0, 2, 0, 1), 'in'); // other side → new run
    const e = msg(new Date(2024, 0, 2, 0, 30), 'in'); // long pause → new run
    const items = groupByDay([a, b, c, d, e]).flatMap((g) => g.items);
    expect(items.map((i) => [i.first, i.last])).toEqual([
      [true, false],
      [false, true],
      [true, true],
      [true, true],
      [true, true],
    ]);
  });

  it('uses local calendar keys', () => {
    expect(localDayKey(new Date(2023, 11, 31, 23, 59, 59).getTime())).toBe('2023-12-31');
    expect(localDayKey(new Date(2024, 0, 1, 0, 0, 0).getTime())).toBe('2024-1-1');
  });
});

describe('formatDay', () => {
  const now = new Date(2024, 2, 10, 0, 5).getTime();

  it('says Today and Yesterday across midnight, in the active language', () => {
    setLocale('en');
    expect(formatDay(new Date(2024, 2, 10, 0, 1).getTime(), now)).toBe('Today');
    expect(formatDay(new Date(2024, 2, 9, 23, 59).getTime(), now)).toBe('Yesterday');
    setLocale('zh-CN');
    expect(formatDay(new Date(2024, 2, 10, 0, 1).getTime(), now)).toBe('今天');
    expect(formatDay(new Date(2024, 2, 9, 23, 59).getTime(), now)).toBe('昨天');
    setLocale('en');
  });

  it('shows a localized date for older days', () => {
    const older = new Date(2023, 9, 1, 12).getTime();
    expect(formatDay(older, now, 'en')).toBe('October 1, 2023');
    expect(formatDay(older, now, 'zh-CN')).toBe('2023年10月1日');
    const thisYear = new Date(2024, 0, 15, 12).getTime();
    expect(formatDay(thisYear, now, 'en')).toBe('January 15');
  });
});
