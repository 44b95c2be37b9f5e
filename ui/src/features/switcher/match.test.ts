import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { matchContact, matchWord, pieces, queryWords, searchable, units } from './match';
import { loadPinyin, readingsOf } from './pinyin.svelte';

beforeAll(() => loadPinyin());

const name = (text: string, query: string) => {
  const m = matchWord(queryWords(query)[0] ?? '', text, units(text, readingsOf));
  return m ? pieces(text, m.ranges).filter((p) => p.hit).map((p) => p.text).join('|') : null;
};
const score = (text: string, query: string) =>
  matchWord(queryWords(query)[0] ?? '', text, units(text, readingsOf))?.score ?? -1;

describe('the pinyin table', () => {
  it('is what scripts/pinyin-table.mjs writes from the installed pinyin-pro', () => {
    const script = resolve(process.cwd(), 'scripts/pinyin-table.mjs');
    // Throws (with the script's message) when the committed table differs.
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('knows common characters in Simplified and Traditional form, without tones', () => {
    expect(readingsOf('张')).toEqual(['zhang']);
    expect(readingsOf('張')).toEqual(['zhang']);
    expect(readingsOf('李')).toEqual(['li']);
    expect(readingsOf('鴻')).toEqual(['hong']);
    expect(readingsOf('雁')).toEqual(['yan']);
    expect(readingsOf('〇')).toEqual(['ling']);
  });
  it('keeps the surname reading beside the common one', () => {
    expect(readingsOf('曾')).toEqual(['ceng', 'zeng']);
    expect(readingsOf('单')).toEqual(['dan', 'shan']);
    expect(readingsOf('單')).toEqual(['dan', 'shan']);
    expect(readingsOf('朴')).toEqual(['pu', 'piao']);
    expect(readingsOf('区')).toEqual(['qu', 'ou']);
  });
  it('writes ü as u and knows nothing of other scripts', () => {
    expect(readingsOf('吕')).toEqual(['lu']);
    expect(readingsOf('女')).toEqual(['nu']);
    expect(readingsOf('a')).toEqual([]);
    expect(readingsOf('あ')).toEqual([]);
  });
});

describe('matching a query word', () => {
  it('finds Chinese names by pinyin initials, whole pinyin, a mix, and the characters', () => {
    expect(name('张三', 'zs')).toBe('张三');
    expect(name('李白', 'lb')).toBe('李白');
    expect(name('李白', 'libai')).toBe('李白');
    expect(name('李白', 'lib')).toBe('李白');
    expect(name('张三', 'zhangs')).toBe('张三');
    expect(name('张三', 'zsan')).toBe('张三');
    expect(name('张三', '张s')).toBe('张三');
    expect(name('王小明', 'xm')).toBe('小明');
    expect(name('王小明', 'xiaoming')).toBe('小明');
    expect(name('諸葛亮', 'zgl')).toBe('諸葛亮');
    expect(name('曾国藩', 'zgf')).toBe('曾国藩');
    expect(name('吕布', 'lvbu')).toBe('吕布');
    expect(name('李白', '白')).toBe('白');
    expect(name('张三', 'zx')).toBeNull();
    expect(name('张三', 'sz')).toBeNull();
  });

  it('finds Latin names by word starts, initials and substrings, whatever the case or width', () => {
    expect(name('Alice Liddell', 'al')).toBe('Al');
    expect(name('Alice Liddell', 'lid')).toBe('Lid');
    expect(name('Alice Liddell', 'aliceli')).toBe('Alice|Li');
    expect(name('Alice Liddell', 'ＡＬＩ')).toBe('Ali');
    expect(name('Alice Liddell', 'dde')).toBe('dde');
    expect(name('li.bai@tang.example', 'libai')).toBe('li|bai');
    expect(name('Echo bot', 'ebt')).toBe('E|b|t');
    expect(name('Alice Liddell', 'xyz')).toBeNull();
  });

  it('ranks a match from the start over one inside, and both over scattered letters', () => {
    expect(score('Alice Liddell', 'ali')).toBeGreaterThan(score('Malice', 'ali'));
    expect(score('Bob Alison', 'ali')).toBeGreaterThan(score('Malice', 'ali'));
    expect(score('Malice', 'ali')).toBeGreaterThan(score('Amelia Lin', 'aln'));
    expect(score('张三', 'zhangsan')).toBeGreaterThan(score('张三', 'zs'));
  });
});

describe('matching a contact', () => {
  it('needs every word of the query, in the name or the address', () => {
    const zgl = searchable('诸葛亮', 'kongming@shu.example', readingsOf);
    expect(matchContact(queryWords('zhu liang'), zgl)).not.toBeNull();
    expect(matchContact(queryWords('kongming'), zgl)?.jid).toEqual([[0, 8]]);
    expect(matchContact(queryWords('zgl shu'), zgl)).not.toBeNull();
    expect(matchContact(queryWords('zgl wei'), zgl)).toBeNull();
  });
});
