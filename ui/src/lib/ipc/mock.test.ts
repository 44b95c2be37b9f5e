// The preview backend follows the shell's contract, so the UI behaves in a browser tab as in the app.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMockBackend } from './mock';
import type { Backend } from './transport';

const ME = 'yan@hongyan.example';

describe('preview backend', () => {
  let b: Backend;
  beforeEach(() => {
    vi.useFakeTimers();
    b = createMockBackend();
  });
  afterEach(() => vi.useRealTimers());

  it('reports the OS and the sandbox', async () => {
    const info = await b.invoke('app_info', undefined);
    expect(['linux', 'macos', 'windows', 'other']).toContain(info.os);
    expect(info.sandbox?.domain).toBe('localhost');
  });

  it('rejects a running sign-in with "cancelled" when it is cancelled', async () => {
    const login = b.invoke('login', {
      request: { jid: 'slow@example.org', password: 'pw', host: null, port: null, remember: true, trustCertSha256: null },
    });
    const outcome = login.catch((e: unknown) => e);
    await b.invoke('cancel_login', { jid: 'slow@example.org' });
    await expect(outcome).resolves.toMatchObject({ code: 'cancelled' });
  });

  it('saves a sandbox account with no host or port', async () => {
    const login = b.invoke('login', {
      request: { jid: 'bob@localhost', password: 'pw', host: '127.0.0.1', port: 5222, remember: true, trustCertSha256: null },
    });
    await vi.advanceTimersByTimeAsync(2000);
    expect(await login).toMatchObject({ jid: 'bob@localhost', host: null, port: null });
  });

  it('keeps the presence last chosen and hands it back at the next sign-in', async () => {
    await b.invoke('set_presence', { account: ME, show: 'away', status: 'lunch' });
    await b.invoke('logout', { account: ME });
    const login = b.invoke('login', {
      request: { jid: ME, password: null, host: null, port: null, remember: true, trustCertSha256: null },
    });
    await vi.advanceTimersByTimeAsync(2000);
    expect(await login).toMatchObject({ show: 'away', status: 'lunch' });
  });

  it('forgets an account, keeping or deleting its local history as asked', async () => {
    await b.invoke('forget_account', { account: ME, keepHistory: true });
    expect(await b.invoke('accounts', undefined)).toEqual([]);
    const kept = b.invoke('history', { account: ME, peer: 'alice@wonderland.example', before: null, limit: 5 });
    await vi.advanceTimersByTimeAsync(300);
    expect((await kept).length).toBeGreaterThan(0);
    await b.invoke('forget_account', { account: ME, keepHistory: false });
    const gone = b.invoke('history', { account: ME, peer: 'alice@wonderland.example', before: null, limit: 5 });
    await vi.advanceTimersByTimeAsync(300);
    expect(await gone).toEqual([]);
  });
});
