import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Account, AppInfo } from '$lib/ipc/types';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  login: vi.fn(),
  registerAccount: vi.fn(),
  openLink: vi.fn(() => Promise.resolve()),
}));

import * as ipc from '$lib/ipc/commands';
import { setLocale } from '../../i18n';
import LoginScreen from './LoginScreen.svelte';

const FINGERPRINT = 'c0ffee00deadbeef0123456789abcdef00112233445566778899aabbccddeeff';

function account(jid: string, extra: Partial<Account> = {}): Account {
  return {
    jid,
    host: null,
    port: null,
    pinnedCertSha256: null,
    resource: 'hongyan',
    autoConnect: true,
    createdAt: 1,
    lastLoginAt: 2,
    hasPassword: true,
    state: 'connecting',
    ...extra,
  };
}

const info = (sandbox: AppInfo['sandbox'] = null): AppInfo => ({ version: '1.0', locale: 'en-US', sandbox });

function setup(props: { info?: AppInfo; accounts?: Account[] } = {}) {
  const onLoggedIn = vi.fn();
  render(LoginScreen, { info: props.info ?? info(), accounts: props.accounts ?? [], onLoggedIn });
  return { onLoggedIn };
}

const el = (id: string) => screen.getByTestId(id) as HTMLInputElement;

async function typeInto(id: string, value: string) {
  await fireEvent.input(el(id), { target: { value } });
}

async function fillSignIn(jid = 'alice@example.org', password = 'pw') {
  await typeInto('login-jid', jid);
  await typeInto('login-password', password);
}

describe('LoginScreen', () => {
  beforeEach(() => {
    setLocale('en');
    vi.mocked(ipc.login).mockReset();
    vi.mocked(ipc.registerAccount).mockReset();
    vi.mocked(ipc.openLink).mockClear();
  });

  it('shows no address hint before the user types, then validates as they type', async () => {
    setup();
    expect(screen.queryByText(/An address has an @/)).toBeNull();
    await typeInto('login-jid', 'alice');
    expect(screen.getByText('An address has an @ between name and server, like name@example.org.')).toBeInTheDocument();
    await typeInto('login-jid', 'alice@example.org');
    expect(screen.queryByText(/An address has an @/)).toBeNull();
    await typeInto('login-jid', 'al ice@example.org');
    expect(screen.getByText('An address cannot contain spaces.')).toBeInTheDocument();
  });

  it('signs in with the typed values and hands over the account', async () => {
    const acc = account('alice@example.org');
    let resolve: (a: Account) => void = () => {};
    vi.mocked(ipc.login).mockReturnValue(new Promise((r) => (resolve = r)));
    const { onLoggedIn } = setup();
    await fillSignIn();
    await fireEvent.click(el('login-submit'));
    expect(ipc.login).toHaveBeenCalledWith({
      jid: 'alice@example.org',
      password: 'pw',
      host: null,
      port: null,
      remember: true,
      trustCertSha256: null,
    });
    // Connecting state: spinner text, inputs disabled.
    expect(el('login-submit')).toHaveTextContent('Connecting…');
    expect(el('login-submit')).toBeDisabled();
    expect(el('login-jid')).toBeDisabled();
    resolve(acc);
    await waitFor(() => expect(onLoggedIn).toHaveBeenCalledWith(acc));
  });

  it('says "正在连接…" while connecting in Chinese', async () => {
    setLocale('zh-CN');
    vi.mocked(ipc.login).mockReturnValue(new Promise(() => {}));
    setup();
    await fillSignIn();
    await fireEvent.click(el('login-submit'));
    expect(el('login-submit')).toHaveTextContent('正在连接…');
  });

  it('sends host, port and the remember choice from the advanced section', async () => {
    vi.mocked(ipc.login).mockResolvedValue(account('alice@example.org'));
    setup();
    await fillSignIn();
    await fireEvent.click(el('login-remember'));
    await fireEvent.click(el('login-advanced'));
    await typeInto('login-host', ' xmpp.example.org ');
    await typeInto('login-port', '5223');
    await fireEvent.click(el('login-submit'));
    expect(ipc.login).toHaveBeenCalledWith(
      expect.objectContaining({ host: 'xmpp.example.org', port: 5223, remember: false }),
    );
  });

  it('refuses an out-of-range port without contacting the backend', async () => {
    setup();
    await fillSignIn();
    await fireEvent.click(el('login-advanced'));
    await typeInto('login-port', '70000');
    await fireEvent.click(el('login-submit'));
    expect(screen.getByText('The port is a number from 1 to 65535.')).toBeInTheDocument();
    expect(ipc.login).not.toHaveBeenCalled();
  });

  it('shows a localized sentence for an error code, never the backend text', async () => {
    vi.mocked(ipc.login).mockRejectedValue({ code: 'auth_failed', message: 'SASL failure: not-authorized' });
    setup();
    await fillSignIn();
    await fireEvent.click(el('login-submit'));
    const error = await screen.findByTestId('login-error');
    expect(error).toHaveTextContent('Wrong address or password.');
    expect(error).not.toHaveTextContent('not-authorized');
    expect(el('login-jid')).not.toBeDisabled();
  });

  it('shows the Chinese sentence in Chinese', async () => {
    setLocale('zh-CN');
    vi.mocked(ipc.login).mockRejectedValue({ code: 'unreachable', message: 'connection refused' });
    setup();
    await fillSignIn();
    await fireEvent.click(el('login-submit'));
    expect(await screen.findByTestId('login-error')).toHaveTextContent('无法连接到服务器。请检查地址和网络。');
  });

  it('falls back to the backend message for an unknown code', async () => {
    vi.mocked(ipc.login).mockRejectedValue({ code: 'quantum_flux', message: 'flux capacitor offline' });
    setup();
    await fillSignIn();
    await fireEvent.click(el('login-submit'));
    expect(await screen.findByTestId('login-error')).toHaveTextContent('Something went wrong: flux capacitor offline');
  });

  it('shows the certificate fingerprint and resubmits trusting it', async () => {
    vi.mocked(ipc.login)
      .mockRejectedValueOnce({ code: 'cert_untrusted', message: 'unknown issuer', fingerprint: FINGERPRINT })
      .mockResolvedValueOnce(account('alice@example.org'));
    const { onLoggedIn } = setup();
    await fillSignIn();
    await fireEvent.click(el('login-submit'));
    const error = await screen.findByTestId('login-error');
    expect(error).toHaveTextContent('The server’s certificate is not trusted by this computer.');
    const fp = screen.getByTestId('login-fingerprint');
    expect(fp).toHaveTextContent('C0FFEE00DEADBEEF');
    expect(fp.querySelectorAll('span')).toHaveLength(32);
    expect(fp.querySelector('span')?.textContent).toBe('C0');
    await fireEvent.click(screen.getByTestId('login-trust-cert'));
    await waitFor(() => expect(onLoggedIn).toHaveBeenCalled());
    expect(vi.mocked(ipc.login).mock.calls[1]?.[0]).toMatchObject({
      jid: 'alice@example.org',
      password: 'pw',
      trustCertSha256: FINGERPRINT,
    });
  });

  it('explains that CAPTCHA is unsupported and links to the web registration', async () => {
    vi.mocked(ipc.registerAccount).mockRejectedValue({
      code: 'captcha_required',
      message: 'captcha',
      url: 'https://example.org/register',
    });
    setup();
    await fireEvent.click(el('login-mode-register'));
    await typeInto('login-jid', 'alice@example.org');
    await typeInto('login-password', 'pw');
    await typeInto('login-password2', 'pw');
    await fireEvent.click(el('login-submit'));
    const error = await screen.findByTestId('login-error');
    expect(error).toHaveTextContent('This server asks for a CAPTCHA to sign up, which Hongyan does not support yet.');
    const link = screen.getByRole('link', { name: /Sign up on the server’s web page/ });
    await fireEvent.click(link);
    expect(ipc.openLink).toHaveBeenCalledWith('https://example.org/register');
    expect(ipc.login).not.toHaveBeenCalled();
  });

  it('creates the account, then signs in with the same values', async () => {
    vi.mocked(ipc.registerAccount).mockResolvedValue(undefined);
    vi.mocked(ipc.login).mockResolvedValue(account('new@example.org'));
    const { onLoggedIn } = setup();
    await fireEvent.click(el('login-mode-register'));
    await typeInto('login-jid', 'new@example.org');
    await typeInto('login-password', 'secret');
    await typeInto('login-password2', 'secreT');
    await fireEvent.click(el('login-submit'));
    expect(screen.getByText('The passwords do not match.')).toBeInTheDocument();
    expect(ipc.registerAccount).not.toHaveBeenCalled();

    await typeInto('login-password2', 'secret');
    await fireEvent.click(el('login-submit'));
    await waitFor(() => expect(onLoggedIn).toHaveBeenCalled());
    expect(ipc.registerAccount).toHaveBeenCalledWith({
      jid: 'new@example.org',
      password: 'secret',
      host: null,
      port: null,
      trustCertSha256: null,
    });
    expect(ipc.login).toHaveBeenCalledWith(expect.objectContaining({ jid: 'new@example.org', password: 'secret' }));
  });

  it('says when a name is taken', async () => {
    vi.mocked(ipc.registerAccount).mockRejectedValue({ code: 'username_taken', message: 'conflict' });
    setup();
    await fireEvent.click(el('login-mode-register'));
    await typeInto('login-jid', 'alice@example.org');
    await typeInto('login-password', 'pw');
    await typeInto('login-password2', 'pw');
    await fireEvent.click(el('login-submit'));
    expect(await screen.findByTestId('login-error')).toHaveTextContent('That name is already taken on this server.');
  });

  it('offers the sandbox: fills server and domain and switches to create account', async () => {
    vi.mocked(ipc.registerAccount).mockResolvedValue(undefined);
    vi.mocked(ipc.login).mockResolvedValue(account('bob@localhost'));
    setup({ info: info({ domain: 'localhost', host: '127.0.0.1', port: 15222 }) });
    await fireEvent.click(screen.getByTestId('sandbox-use'));
    expect(el('login-mode-register')).toHaveAttribute('aria-pressed', 'true');
    expect(el('login-jid')).toHaveAttribute('placeholder', 'name@localhost');
    await typeInto('login-jid', 'bob');
    expect(screen.getByText('You will be bob@localhost')).toBeInTheDocument();
    await typeInto('login-password', 'pw');
    await typeInto('login-password2', 'pw');
    await fireEvent.click(el('login-advanced'));
    expect(el('login-host').value).toBe('127.0.0.1');
    expect(el('login-port').value).toBe('15222');
    await fireEvent.click(el('login-submit'));
    await waitFor(() => expect(ipc.login).toHaveBeenCalled());
    expect(ipc.registerAccount).toHaveBeenCalledWith(
      expect.objectContaining({ jid: 'bob@localhost', host: '127.0.0.1', port: 15222 }),
    );
  });

  it('has no sandbox card without a sandbox', () => {
    setup();
    expect(screen.queryByTestId('sandbox-use')).toBeNull();
  });

  it('signs in to a saved account in one click with the saved password', async () => {
    const saved = account('yan@example.org', { host: 'xmpp.example.org', port: 5222, state: 'offline' });
    vi.mocked(ipc.login).mockResolvedValue({ ...saved, state: 'connecting' });
    const { onLoggedIn } = setup({ accounts: [saved] });
    await fireEvent.click(screen.getByRole('button', { name: 'Sign in as yan@example.org' }));
    await waitFor(() => expect(onLoggedIn).toHaveBeenCalled());
    expect(ipc.login).toHaveBeenCalledWith({
      jid: 'yan@example.org',
      password: null,
      host: 'xmpp.example.org',
      port: 5222,
      remember: true,
      trustCertSha256: null,
    });
  });
});
