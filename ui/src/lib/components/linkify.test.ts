import { describe, expect, it } from 'vitest';
import { linkify, type Segment } from './linkify';

const links = (text: string) => linkify(text).filter((s): s is Extract<Segment, { kind: 'link' }> => s.kind === 'link').map((s) => s.href);

describe('linkify', () => {
  it('returns plain text as one text segment', () => {
    expect(linkify('hello world')).toEqual([{ kind: 'text', text: 'hello world' }]);
    expect(linkify('')).toEqual([]);
  });

  it('finds http, https, mailto and xmpp links and keeps the surrounding text', () => {
    expect(linkify('see https://example.org/a?b=1 now')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.org/a?b=1', href: 'https://example.org/a?b=1' },
      { kind: 'text', text: ' now' },
    ]);
    expect(links('http://x.org mailto:a@b.org xmpp:room@muc.example?join')).toEqual([
      'http://x.org',
      'mailto:a@b.org',
      'xmpp:room@muc.example?join',
    ]);
  });

  it('never links other schemes', () => {
    expect(links('javascript:alert(1) file:///etc/passwd data:text/html,hi ftp://x.org')).toEqual([]);
  });

  it('drops sentence punctuation and unbalanced brackets at the end', () => {
    expect(links('Go to https://example.org.')).toEqual(['https://example.org']);
    expect(links('(see https://example.org/x)')).toEqual(['https://example.org/x']);
    expect(links('https://en.wikipedia.org/wiki/Goose_(disambiguation)!')).toEqual([
      'https://en.wikipedia.org/wiki/Goose_(disambiguation)',
    ]);
    expect(links('Really? https://example.org/?q=1, yes')).toEqual(['https://example.org/?q=1']);
  });

  it('stops at Chinese punctuation', () => {
    expect(links('看这个：https://zh.wikipedia.org/wiki/鸿雁。很好')).toEqual(['https://zh.wikipedia.org/wiki/鸿雁']);
    expect(links('链接https://example.org，谢谢')).toEqual(['https://example.org']);
  });

  it('handles several links and keeps every character of the text', () => {
    const text = 'a https://one.example b\nhttps://two.example/x\tc';
    const segments = linkify(text);
    expect(segments.map((s) => s.text).join('')).toBe(text);
    expect(links(text)).toEqual(['https://one.example', 'https://two.example/x']);
  });

  it('ignores a bare scheme', () => {
    expect(links('the https:// prefix and mailto: alone')).toEqual([]);
    expect(linkify('the https:// prefix').map((s) => s.text).join('')).toBe('the https:// prefix');
  });
});
