import { describe, expect, it } from 'vitest';
import { parseXmppUri } from './xmppUri';

describe('xmpp: links', () => {
  it('reads the address, the action and a message body', () => {
    expect(parseXmppUri('xmpp:li.lei@Example.ORG')).toEqual({ jid: 'li.lei@example.org', action: null, body: null });
    expect(parseXmppUri('XMPP:han@example.org?message;body=%E4%BD%A0%E5%A5%BD%20there')).toEqual({
      jid: 'han@example.org',
      action: 'message',
      body: '你好 there',
    });
    expect(parseXmppUri('xmpp:han@example.org?subscribe')?.action).toBe('subscribe');
    expect(parseXmppUri('xmpp:room@conference.example.org?join')?.action).toBe('join');
    expect(parseXmppUri('xmpp:han@example.org?pubsub;node=x')?.action).toBe('other');
    expect(parseXmppUri('xmpp:%E5%BC%A0%E4%B8%89@例子.中国')?.jid).toBe('张三@例子.中国');
    expect(parseXmppUri('xmpp:example.org')?.jid).toBe('example.org');
  });

  it('skips the account named in an authority', () => {
    expect(parseXmppUri('xmpp://me@example.org/friend@example.net?message')?.jid).toBe('friend@example.net');
  });

  it('refuses what is not a plain address', () => {
    for (const bad of [
      'xmpp:',
      'xmpp:@example.org',
      'xmpp:han@',
      'xmpp:a@b@c',
      'xmpp:han @example.org',
      'xmpp:han%20x@example.org',
      'xmpp:han@example.org/../x',
      'xmpp:%E4%ZZ@example.org',
      'xmpp:.example.org',
      'xmpp://no-target',
      'https://example.org',
    ]) {
      expect(parseXmppUri(bad), bad).toBeNull();
    }
  });
});
