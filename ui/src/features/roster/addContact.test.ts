import { describe, expect, it } from 'vitest';
import type { Contact } from '$lib/ipc/types';
import { contactJid, contactProblem } from './addContact.svelte';

const ME = 'me@example.org';
const contact = (jid: string, subscription: Contact['subscription'], inRoster = true): Contact => ({
  jid,
  name: null,
  groups: [],
  subscription,
  askPending: false,
  inRoster,
  show: 'offline',
  status: null,
  resources: [],
});
const roster = Object.fromEntries(
  [
    contact('both@example.org', 'both'),
    contact('to@example.org', 'to'),
    contact('from@example.org', 'from'),
    contact('none@example.org', 'none'),
    contact('gone@example.org', 'both', false),
  ].map((c) => [c.jid, c]),
);

describe('contactJid', () => {
  it.each([
    ['  alice@example.org  ', 'alice@example.org'],
    ['xmpp:alice@example.org', 'alice@example.org'],
    ['XMPP:alice@example.org?message;body=hi', 'alice@example.org'],
    ['xmpp://me@example.org/alice@example.org?roster', 'alice@example.org'],
    ['alice', 'alice'],
  ])('%j → %j', (input, out) => expect(contactJid(input)).toBe(out));
});

describe('contactProblem', () => {
  it.each([
    ['', 'empty'],
    ['alice', 'noAt'],
    ['alice@', 'noDomain'],
    ['a@b@c', 'manyAt'],
    ['alice@example.org/home', 'resource'],
    ['me@example.org', 'self'],
    [' Me@Example.org ', 'self'],
    ['both@example.org', 'known'],
    ['TO@example.org', 'known'],
    ['from@example.org', null],
    ['none@example.org', null],
    ['gone@example.org', null],
    ['alice@example.org', null],
    ['李白@例子.中国', null],
  ])('%j → %s', (input, problem) => expect(contactProblem(input, ME, roster)).toBe(problem));
});
