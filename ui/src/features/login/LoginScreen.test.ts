import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Account, AppInfo } from '$lib/ipc/types';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  login: vi.fn(),
  registerAccount: vi.fn(),
  cancelLogin: vi.fn(() => Promise.resolve()),
  logout: vi.fn(() => Promise.resolve()),
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
    show: 'online',
    status: null,
    ...extra,
  };
}

const info = (sandbox: AppInfo['sandbox'] = null, os: AppInfo['os'] = 'linux'): AppInfo => ({
  version: '1.0',
  locale: 'en-US',
  sandbox,
  os,
});

function setup(props: { info?: AppInfo; accounts?: Account[]; autoSignIn?: () => Account | null } = {}) {
  const onLoggedIn = vi.fn();
  const onLanguage = vi.fn();
  render(LoginScreen, {
    info: props.info ?? info(),
    accounts: props.accounts ?? [],
    onLoggedIn,
    onLanguage,
    ...(props.autoSignIn ? { autoSignIn: props.autoSignIn } : {}),
  });
  return { onLoggedIn, onLanguage };
}

const SANDBOX = { domain: 'localhost', host: '127.0.0.1', port: 15222 };

/** A promise the test settles by hand. */
function pending<T>() {
  let resolve: (v: T) => void = () => {};
  let reject: (e: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

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
    vi.mocked(ipc.cancelLogin).mockClear();
    vi.mocked(ipc.logout).mockClear();
  });

  it('shows no address hint before the user types, then validates as they type', async () => {
    setup();
    expect(screen.queryByText(/An address looks like/)).toBeNull();
    await typeInto('login-jid', 'alice');
    expect(screen.getByText('An address looks like name@example.org.')).toBeInTheDocument();
    await typeInto('login-jid', 'alice@example.org');
    expect(screen.queryByText(/An address looks like/)).toBeNull();
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

  it('offers the sandbox: completes the domain and switches to create account; the shell routes it', async () => {
    vi.mocked(ipc.registerAccount).mockResolvedValue(undefined);
    vi.mocked(ipc.login).mockResolvedValue(account('bob@localhost'));
    setup({ info: info(SANDBOX) });
    await fireEvent.click(screen.getByTestId('sandbox-use'));
    expect(el('login-mode-register')).toHaveAttribute('aria-pressed', 'true');
    expect(el('login-jid')).toHaveAttribute('placeholder', 'name@localhost');
    await typeInto('login-jid', 'bob');
    expect(screen.getByText('You will be bob@localhost')).toBeInTheDocument();
    await typeInto('login-password', 'pw');
    await typeInto('login-password2', 'pw');
    // The sandbox's host and port are no longer copied into the form.
    await fireEvent.click(el('login-advanced'));
    expect(el('login-host').value).toBe('');
    expect(el('login-port').value).toBe('');
    await fireEvent.click(el('login-submit'));
    await waitFor(() => expect(ipc.login).toHaveBeenCalled());
    expect(ipc.registerAccount).toHaveBeenCalledWith(
      expect.objectContaining({ jid: 'bob@localhost', host: null, port: null }),
    );
    expect(ipc.login).toHaveBeenCalledWith(expect.objectContaining({ jid: 'bob@localhost', host: null, port: null }));
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

  describe('a sandbox address without sandbox mode', () => {
    it('signs in to alice@localhost as typed, with no host or port, and says where it goes', async () => {
      vi.mocked(ipc.login).mockResolvedValue(account('alice@localhost'));
      const { onLoggedIn } = setup({ info: info(SANDBOX) });
      await fillSignIn('alice@localhost', 'pw');
      expect(screen.getByTestId('login-jid-hint')).toHaveTextContent('Goes to the local sandbox server on this computer.');
      expect(screen.queryByTestId('sandbox-chip')).toBeNull();
      await fireEvent.click(el('login-submit'));
      await waitFor(() => expect(onLoggedIn).toHaveBeenCalled());
      expect(ipc.login).toHaveBeenCalledWith({
        jid: 'alice@localhost',
        password: 'pw',
        host: null,
        port: null,
        remember: true,
        trustCertSha256: null,
      });
      expect(ipc.registerAccount).not.toHaveBeenCalled();
    });

    it('leaves a host typed under Advanced out for a sandbox address (the shell finds that server)', async () => {
      vi.mocked(ipc.login).mockResolvedValue(account('alice@localhost'));
      setup({ info: info(SANDBOX) });
      await fillSignIn('alice@localhost', 'pw');
      await fireEvent.click(el('login-advanced'));
      await typeInto('login-host', 'xmpp.example.org');
      expect(screen.getByTestId('login-advanced-hint')).toHaveTextContent('Not needed for sandbox addresses.');
      await fireEvent.click(el('login-submit'));
      expect(ipc.login).toHaveBeenCalledWith(expect.objectContaining({ host: null, port: null }));
    });

    it('signs in to a saved sandbox account with host and port null', async () => {
      const saved = account('alice@localhost', { state: 'offline' });
      vi.mocked(ipc.login).mockResolvedValue({ ...saved, state: 'connecting' });
      const { onLoggedIn } = setup({ info: info(SANDBOX), accounts: [saved] });
      await fireEvent.click(screen.getByRole('button', { name: 'Sign in as alice@localhost' }));
      await waitFor(() => expect(onLoggedIn).toHaveBeenCalled());
      expect(ipc.login).toHaveBeenCalledWith(expect.objectContaining({ jid: 'alice@localhost', host: null, port: null }));
    });
  });

  describe('sandbox mode', () => {
    it('shows a chip on the card while active, and leaving it returns to a normal sign-in', async () => {
      setup({ info: info(SANDBOX) });
      expect(screen.queryByTestId('sandbox-chip')).toBeNull();
      await typeInto('login-jid', 'bob');
      await fireEvent.click(screen.getByTestId('sandbox-use'));
      const chip = screen.getByTestId('sandbox-chip');
      expect(chip).toHaveTextContent('Local sandbox server · localhost');
      expect(within(screen.getByTestId('login-card')).getByTestId('sandbox-chip')).toBe(chip);
      expect(el('login-jid').value).toBe('bob@localhost');

      await fireEvent.click(screen.getByTestId('sandbox-leave'));
      expect(screen.queryByTestId('sandbox-chip')).toBeNull();
      expect(el('login-mode-signin')).toHaveAttribute('aria-pressed', 'true');
      expect(el('login-jid')).toHaveAttribute('placeholder', 'name@example.org');
      expect(el('login-jid').value).toBe('bob');
      expect(el('login-jid')).toHaveFocus();
      // A bare name is no longer completed with the sandbox domain.
      expect(screen.queryByText(/You will be/)).toBeNull();
      expect(screen.getByTestId('login-jid-hint')).toHaveTextContent('An address looks like');
      expect(screen.getByTestId('sandbox-use')).toBeInTheDocument();
    });

    it('says so and sends the address as typed when it names another server while in sandbox mode', async () => {
      vi.mocked(ipc.registerAccount).mockResolvedValue(undefined);
      vi.mocked(ipc.login).mockResolvedValue(account('alice@example.org'));
      setup({ info: info(SANDBOX) });
      await fireEvent.click(screen.getByTestId('sandbox-use'));
      await typeInto('login-jid', 'alice@example.org');
      expect(screen.getByTestId('login-jid-hint')).toHaveTextContent('Not a sandbox address: this goes to example.org.');
      await typeInto('login-password', 'pw');
      await typeInto('login-password2', 'pw');
      await fireEvent.click(el('login-submit'));
      await waitFor(() => expect(ipc.login).toHaveBeenCalled());
      expect(ipc.registerAccount).toHaveBeenCalledWith(
        expect.objectContaining({ jid: 'alice@example.org', host: null, port: null }),
      );
    });

    it('reads naturally in Chinese', async () => {
      setLocale('zh-CN');
      setup({ info: info(SANDBOX) });
      await fireEvent.click(screen.getByTestId('sandbox-use'));
      expect(screen.getByTestId('sandbox-chip')).toHaveTextContent('本地沙盒服务器 · localhost');
      expect(screen.getByTestId('sandbox-leave')).toHaveTextContent('改用正式服务器');
    });
  });

  describe('editing after a server error', () => {
    it.each(['login-jid', 'login-password', 'login-host', 'login-port'])(
      'clears the server error when %s is edited',
      async (field) => {
        vi.mocked(ipc.login).mockRejectedValue({ code: 'unreachable', message: 'refused' });
        setup();
        await fillSignIn();
        await fireEvent.click(el('login-advanced'));
        await fireEvent.click(el('login-submit'));
        expect(await screen.findByTestId('login-error')).toBeInTheDocument();
        await typeInto(field, field === 'login-port' ? '52' : 'x');
        expect(screen.queryByTestId('login-error')).toBeNull();
      },
    );

    it('shows only the new field problem, not the old server error, after the address is changed', async () => {
      vi.mocked(ipc.login).mockRejectedValue({ code: 'auth_failed', message: 'nope' });
      setup();
      await fillSignIn();
      await fireEvent.click(el('login-submit'));
      expect(await screen.findByTestId('login-error')).toHaveTextContent('Wrong address or password.');
      await typeInto('login-jid', 'alice');
      expect(screen.queryByText('Wrong address or password.')).toBeNull();
      expect(screen.getByTestId('login-jid-hint')).toHaveTextContent('An address looks like');
    });
  });

  describe('cancelling', () => {
    it('cancels a running sign-in: the form is editable at once and the late answer is ignored', async () => {
      const answer = pending<Account>();
      vi.mocked(ipc.login).mockReturnValue(answer.promise);
      const { onLoggedIn } = setup();
      await fillSignIn('alice@example.org');
      await fireEvent.click(el('login-submit'));
      expect(el('login-jid')).toBeDisabled();
      await fireEvent.click(screen.getByTestId('login-cancel'));
      expect(ipc.cancelLogin).toHaveBeenCalledWith('alice@example.org');
      // Editable without waiting for the shell.
      expect(el('login-jid')).not.toBeDisabled();
      expect(el('login-submit')).not.toBeDisabled();
      expect(el('login-submit')).toHaveTextContent('Sign in');
      expect(screen.queryByTestId('login-cancel')).toBeNull();
      expect(el('login-jid')).toHaveFocus();
      answer.reject({ code: 'cancelled', message: 'cancelled' });
      await settle();
      expect(screen.queryByTestId('login-error')).toBeNull();
      expect(screen.queryByRole('alert')).toBeNull();
      expect(onLoggedIn).not.toHaveBeenCalled();
    });

    it('drops a late error of a cancelled attempt, and a late success signs nobody in', async () => {
      const first = pending<Account>();
      vi.mocked(ipc.login).mockReturnValueOnce(first.promise);
      const { onLoggedIn } = setup();
      await fillSignIn();
      await fireEvent.click(el('login-submit'));
      await fireEvent.click(screen.getByTestId('login-cancel'));
      first.resolve(account('alice@example.org'));
      await settle();
      expect(onLoggedIn).not.toHaveBeenCalled();
      // The shell had already signed in: that session is not wanted any more.
      expect(ipc.logout).toHaveBeenCalledWith('alice@example.org');

      const second = pending<Account>();
      vi.mocked(ipc.login).mockReturnValueOnce(second.promise);
      await fireEvent.click(el('login-submit'));
      await fireEvent.click(screen.getByTestId('login-cancel'));
      second.reject({ code: 'unreachable', message: 'too late' });
      await settle();
      expect(screen.queryByTestId('login-error')).toBeNull();
    });

    it('cancels "Creating account…" and a retry does not register twice once the server created it', async () => {
      const registered = pending<void>();
      vi.mocked(ipc.registerAccount).mockReturnValueOnce(registered.promise);
      vi.mocked(ipc.login).mockResolvedValue(account('new@example.org'));
      const { onLoggedIn } = setup();
      await fireEvent.click(el('login-mode-register'));
      await typeInto('login-jid', 'new@example.org');
      await typeInto('login-password', 'pw');
      await typeInto('login-password2', 'pw');
      await fireEvent.click(el('login-submit'));
      expect(el('login-submit')).toHaveTextContent('Creating account…');
      await fireEvent.click(screen.getByTestId('login-cancel'));
      expect(ipc.cancelLogin).toHaveBeenCalledWith('new@example.org');
      expect(el('login-password')).not.toBeDisabled();
      registered.resolve();
      await settle();
      expect(ipc.login).not.toHaveBeenCalled();
      expect(onLoggedIn).not.toHaveBeenCalled();
      await fireEvent.click(el('login-submit'));
      await waitFor(() => expect(onLoggedIn).toHaveBeenCalled());
      expect(ipc.registerAccount).toHaveBeenCalledTimes(1);
    });

    it('cancels the one-click sign-in of a saved account, from its row or with Escape', async () => {
      const saved = account('yan@example.org', { state: 'offline' });
      const answer = pending<Account>();
      vi.mocked(ipc.login).mockReturnValue(answer.promise);
      const { onLoggedIn } = setup({ accounts: [saved] });
      await fireEvent.click(screen.getByRole('button', { name: 'Sign in as yan@example.org' }));
      expect(screen.getByTestId('saved-account')).toHaveTextContent('Connecting…');
      await fireEvent.click(screen.getByRole('button', { name: 'Cancel signing in as yan@example.org' }));
      expect(ipc.cancelLogin).toHaveBeenCalledWith('yan@example.org');
      expect(screen.getByTestId('saved-account')).not.toBeDisabled();
      expect(screen.getByTestId('saved-account')).toHaveFocus();
      answer.reject({ code: 'cancelled', message: 'cancelled' });
      await settle();
      expect(screen.queryByTestId('login-error')).toBeNull();
      // Not treated as a wrong password: the form was not switched to typing one.
      expect(el('login-jid').value).toBe('');

      vi.mocked(ipc.login).mockReturnValue(new Promise(() => {}));
      await fireEvent.click(screen.getByRole('button', { name: 'Sign in as yan@example.org' }));
      await fireEvent.keyDown(window, { key: 'Escape' });
      expect(ipc.cancelLogin).toHaveBeenCalledTimes(2);
      expect(screen.getByTestId('saved-account')).not.toBeDisabled();
      expect(onLoggedIn).not.toHaveBeenCalled();
    });

    it('can cancel the start-up sign-in', async () => {
      const saved = account('yan@example.org', { state: 'offline' });
      vi.mocked(ipc.login).mockReturnValue(new Promise(() => {}));
      setup({ accounts: [saved], autoSignIn: () => saved });
      await waitFor(() => expect(ipc.login).toHaveBeenCalled());
      await fireEvent.click(screen.getByTestId('login-cancel'));
      expect(ipc.cancelLogin).toHaveBeenCalledWith('yan@example.org');
      expect(el('login-jid')).not.toBeDisabled();
    });

    it('says 取消 in Chinese', async () => {
      setLocale('zh-CN');
      vi.mocked(ipc.login).mockReturnValue(new Promise(() => {}));
      setup();
      await fillSignIn();
      await fireEvent.click(el('login-submit'));
      expect(screen.getByTestId('login-cancel')).toHaveTextContent('取消');
    });
  });

  describe('layout', () => {
    it('keeps the space of a server error cleared by editing until the next attempt', async () => {
      vi.mocked(ipc.login).mockRejectedValue({ code: 'unreachable', message: 'x' });
      setup();
      await fillSignIn();
      await fireEvent.click(el('login-submit'));
      const error = await screen.findByTestId('login-error');
      Object.defineProperty(error, 'offsetHeight', { configurable: true, value: 64 });
      await typeInto('login-jid', 'alice@example.net');
      expect(screen.queryByTestId('login-error')).toBeNull();
      expect(screen.getByTestId('login-error-space').style.height).toBe('64px');
      vi.mocked(ipc.login).mockReturnValue(new Promise(() => {}));
      await fireEvent.click(el('login-submit'));
      expect(screen.queryByTestId('login-error-space')).toBeNull();
    });

    it('keeps a line for each hint, so hints appearing do not move the fields below', async () => {
      setup();
      const slot = screen.getByTestId('login-jid-hint');
      expect(slot).toHaveTextContent('');
      expect(getComputedStyle(slot).minHeight).toBe('1.4em');
      const password = el('login-password');
      const before = password.closest('.field')?.previousElementSibling;
      await typeInto('login-jid', 'alice');
      // The same element now holds the hint; nothing was inserted before the password field.
      expect(screen.getByTestId('login-jid-hint')).toBe(slot);
      expect(slot).toHaveTextContent('An address looks like');
      expect(password.closest('.field')?.previousElementSibling).toBe(before);
      expect(screen.getByTestId('login-password-hint')).toHaveTextContent('');
    });

    it('puts a server error below the button, which sticks to the bottom of a card that scrolls', async () => {
      vi.mocked(ipc.login).mockRejectedValue({ code: 'unreachable', message: 'x' });
      setup();
      await fillSignIn();
      await fireEvent.click(el('login-advanced'));
      await fireEvent.click(el('login-submit'));
      const error = await screen.findByTestId('login-error');
      expect(el('login-submit').compareDocumentPosition(error) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
      const card = screen.getByTestId('login-card');
      expect(getComputedStyle(card).overflowY).toBe('auto');
      expect(getComputedStyle(card).maxHeight).toBe('calc(100vh - 64px)');
      const actions = screen.getByTestId('login-actions');
      expect(actions).toContainElement(el('login-submit'));
      expect(getComputedStyle(actions).position).toBe('sticky');
      expect(getComputedStyle(actions).bottom).toBe('0px');
    });

    it('anchors the card to the top of the window instead of centring it', () => {
      setup();
      const layout = screen.getByTestId('login-card').parentElement as HTMLElement;
      expect(getComputedStyle(layout).alignItems).toBe('start');
      expect(getComputedStyle(layout).marginTop).not.toBe('auto');
      expect(getComputedStyle(layout.parentElement as HTMLElement).alignItems).toBe('flex-start');
    });
  });

  describe('language picker', () => {
    it('is the app’s own listbox, not a <select>', async () => {
      const { onLanguage } = setup();
      expect(document.querySelector('select')).toBeNull();
      const picker = screen.getByRole('combobox', { name: 'Language' });
      expect(picker).toHaveTextContent('Automatic (system)');
      picker.focus();
      await fireEvent.keyDown(picker, { key: 'ArrowDown' });
      expect(screen.getByRole('listbox')).toBeInTheDocument();
      expect(screen.getAllByRole('option').map((o) => o.textContent?.trim())).toEqual([
        'Automatic (system)',
        'English',
        '简体中文',
        '繁體中文',
      ]);
      await fireEvent.keyDown(picker, { key: 'End' });
      await fireEvent.keyDown(picker, { key: 'Enter' });
      expect(onLanguage).toHaveBeenCalledWith('zh-TW');
      expect(screen.queryByRole('listbox')).toBeNull();
      await fireEvent.keyDown(picker, { key: 'ArrowDown' });
      await fireEvent.keyDown(picker, { key: 'End' });
      await fireEvent.keyDown(picker, { key: 'ArrowUp' });
      await fireEvent.keyDown(picker, { key: 'Enter' });
      expect(onLanguage).toHaveBeenLastCalledWith('zh-CN');
    });

    it('shows the sign-in screen in Traditional Chinese', () => {
      setLocale('zh-TW');
      setup();
      expect(screen.getByRole('combobox', { name: '語言' })).toHaveTextContent('自動（跟隨系統）');
      expect(screen.getByRole('heading', { name: '歡迎回來' })).toBeInTheDocument();
      expect(screen.getByLabelText('密碼')).toBeInTheDocument();
    });
  });

  describe('keyring wording', () => {
    it.each([
      ['linux', 'en', 'Your password stays in the system keyring.', 'Kept in the system keyring'],
      ['macos', 'en', 'Your password stays in the macOS Keychain.', 'Kept in the macOS Keychain'],
      ['windows', 'en', 'Your password stays in Windows Credential Manager.', 'Kept in Windows Credential Manager'],
      ['linux', 'zh-CN', '密码只保存在系统密钥环中。', '保存在系统密钥环中'],
      ['macos', 'zh-CN', '密码只保存在钥匙串中。', '保存在钥匙串中'],
      ['windows', 'zh-CN', '密码只保存在凭据管理器中。', '保存在凭据管理器中'],
      ['linux', 'zh-TW', '密碼只存放在系統金鑰圈裡。', '存放在系統金鑰圈裡'],
      ['macos', 'zh-TW', '密碼只存放在鑰匙圈裡。', '存放在鑰匙圈裡'],
      ['windows', 'zh-TW', '密碼只存放在認證管理員裡。', '存放在認證管理員裡'],
    ] as const)('on %s in %s', (os, lang, point, hint) => {
      setLocale(lang);
      setup({ info: info(null, os) });
      expect(screen.getByText(point)).toBeInTheDocument();
      expect(screen.getByText(hint)).toBeInTheDocument();
    });
  });
});
