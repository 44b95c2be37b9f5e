import { describe, expect, it } from 'vitest';
import { domainLooksValid, parsePort, splitJid, validateJid, type JidProblem } from './jid';

describe('validateJid', () => {
  const table: Array<[string, JidProblem | null]> = [
    ['alice@example.org', null],
    ['  alice@example.org  ', null],
    ['alice@localhost', null],
    ['alice@127.0.0.1', null],
    ['alice@[::1]', null],
    ['li.bai@例子.中国', null],
    ['张三@example.cn', null],
    ['a_b-c+d@sub.example.co.uk', null],
    ['alice@example.org.', null],
    ['', 'empty'],
    ['   ', 'empty'],
    ['alice', 'noAt'],
    ['alice@@example.org', 'manyAt'],
    ['a@b@example.org', 'manyAt'],
    ['@example.org', 'noLocal'],
    ['alice@', 'noDomain'],
    ['alice@/phone', 'noDomain'],
    ['al ice@example.org', 'spaces'],
    ['alice@exa mple.org', 'spaces'],
    ['alice\t@example.org', 'spaces'],
    ['al"ice@example.org', 'badLocal'],
    ['a:b@example.org', 'badLocal'],
    ['a<b@example.org', 'badLocal'],
    ['alice@example.org/phone', 'resource'],
    ['alice@example..org', 'domain'],
    ['alice@-example.org', 'domain'],
    ['alice@example-.org', 'domain'],
    ['alice@exam_ple.org', 'domain'],
    ['alice@1.2.3.4.5', 'domain'],
    ['alice@.org', 'domain'],
    [`${'a'.repeat(1024)}@example.org`, 'tooLong'],
  ];
  it.each(table)('%j → %s', (input, expected) => {
    expect(validateJid(input)).toBe(expected);
  });
});

describe('domainLooksValid', () => {
  it('accepts single labels, IDNs and addresses', () => {
    expect(domainLooksValid('localhost')).toBe(true);
    expect(domainLooksValid('xn--fsqu00a.xn--fiqs8s')).toBe(true);
    expect(domainLooksValid('192.168.0.1')).toBe(true);
  });
  it('rejects over-long labels', () => {
    expect(domainLooksValid(`${'a'.repeat(64)}.org`)).toBe(false);
    expect(domainLooksValid(`${'a'.repeat(63)}.org`)).toBe(true);
  });
});

describe('parsePort', () => {
  it.each([
    ['', null, null],
    ['  ', null, null],
    ['5222', 5222, null],
    [' 443 ', 443, null],
    ['1', 1, null],
    ['65535', 65535, null],
    ['0', null, 'invalid'],
    ['65536', null, 'invalid'],
    ['-1', null, 'invalid'],
    ['52a', null, 'invalid'],
    ['5222.5', null, 'invalid'],
  ] as const)('%j → port %s, problem %s', (input, port, problem) => {
    expect(parsePort(input)).toEqual({ port, problem });
  });
});

describe('splitJid', () => {
  it('splits at the @', () => {
    expect(splitJid(' bob@example.org ')).toEqual({ local: 'bob', domain: 'example.org' });
    expect(splitJid('example.org')).toEqual({ local: '', domain: 'example.org' });
  });
});
