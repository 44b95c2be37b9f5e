// The sign-in / create-account form: field state, validation as you type, and the submit flow
// (register → log in, certificate trust, one-click sign-in with a saved password).
import * as ipc from '$lib/ipc/commands';
import type { Account, ErrorInfo, SandboxInfo } from '$lib/ipc/types';
import { parsePort, validateJid, type JidProblem } from './jid';

export type Mode = 'signin' | 'register';
export type Busy = 'registering' | 'connecting' | null;
export type Field = 'jid' | 'password' | 'password2' | 'host' | 'port';

type Attempt = { kind: 'form' } | { kind: 'saved'; account: Account };

export class LoginForm {
  mode: Mode = $state('signin');
  jid = $state('');
  password = $state('');
  password2 = $state('');
  remember = $state(true);
  /** Only the user opens and closes this (the summary beside it shows what is filled in). */
  advancedOpen = $state(false);
  host = $state('');
  port = $state('');

  /** Fields the user has typed in (hints appear only after that). */
  dirty: Record<Field, boolean> = $state({ jid: false, password: false, password2: false, host: false, port: false });
  /** Fields the user has left at least once (hints then read as errors). */
  left: Record<Field, boolean> = $state({ jid: false, password: false, password2: false, host: false, port: false });
  submitted = $state(false);

  busy: Busy = $state(null);
  /** The saved account being signed in with one click, if that is what is running. */
  busyAccount: string | null = $state(null);
  error: ErrorInfo | null = $state(null);

  sandbox: SandboxInfo | null = $state(null);
  sandboxActive = $state(false);

  private lastAttempt: Attempt = { kind: 'form' };
  /** Addresses created in this session, so a retry after a failed login does not register again. */
  private registered = new Set<string>();

  /** The address to use: in sandbox mode a bare name is completed with the sandbox domain. */
  readonly effectiveJid: string = $derived.by(() => {
    const typed = this.jid.trim();
    if (this.sandboxActive && this.sandbox && typed !== '' && !typed.includes('@')) {
      return `${typed}@${this.sandbox.domain}`;
    }
    return typed;
  });
  readonly completedBySandbox: boolean = $derived(this.effectiveJid !== this.jid.trim());

  readonly jidProblem: JidProblem | null = $derived(validateJid(this.effectiveJid));
  readonly passwordProblem: 'empty' | null = $derived(this.password === '' ? 'empty' : null);
  readonly password2Problem: 'mismatch' | null = $derived(
    this.mode === 'register' && this.password2 !== this.password ? 'mismatch' : null,
  );
  readonly portProblem: 'invalid' | null = $derived(parsePort(this.port).problem);
  readonly hostProblem: 'invalid' | null = $derived(/\s/.test(this.host.trim()) ? 'invalid' : null);
  readonly valid: boolean = $derived(
    this.jidProblem === null &&
      this.passwordProblem === null &&
      this.password2Problem === null &&
      this.portProblem === null &&
      this.hostProblem === null,
  );

  /** Whether to show the field's problem: never before the user typed there or tried to submit. */
  shows(field: Field): boolean {
    return this.dirty[field] || this.submitted;
  }

  /** Whether a shown problem should read as an error (user moved on) rather than a gentle hint. */
  insists(field: Field): boolean {
    return this.left[field] || this.submitted;
  }

  setMode(mode: Mode): void {
    if (this.busy) return;
    this.mode = mode;
    this.error = null;
    this.submitted = false;
  }

  /** Prepares a throwaway account on the local sandbox server. */
  useSandbox(): void {
    if (!this.sandbox || this.busy) return;
    this.sandboxActive = true;
    this.mode = 'register';
    this.host = this.sandbox.host;
    this.port = String(this.sandbox.port);
    this.error = null;
    this.submitted = false;
    // Keep a name the user already typed, move it to the sandbox domain.
    const local = this.jid.trim().split('@')[0] ?? '';
    this.jid = local ? `${local}@${this.sandbox.domain}` : '';
  }

  /** Fills the form for a saved account that needs its password typed. */
  prefill(account: Account): void {
    this.mode = 'signin';
    this.jid = account.jid;
    this.host = account.host ?? '';
    this.port = account.port !== null ? String(account.port) : '';
    this.sandboxActive = false;
    this.error = null;
  }

  /**
   * Validates and submits the form. In create mode the account is registered first, then signed
   * in with the same values. Resolves with the account, or null when it did not work (see error).
   */
  async submit(trustCertSha256: string | null = null): Promise<Account | null> {
    if (this.busy) return null;
    this.submitted = true;
    if (!this.valid) return null;
    this.lastAttempt = { kind: 'form' };
    this.error = null;
    const jid = this.effectiveJid;
    const host = this.host.trim() || null;
    const port = parsePort(this.port).port;
    try {
      if (this.mode === 'register' && !this.registered.has(jid)) {
        this.busy = 'registering';
        await ipc.registerAccount({ jid, password: this.password, host, port, trustCertSha256 });
        this.registered.add(jid);
      }
      this.busy = 'connecting';
      return await ipc.login({
        jid,
        password: this.password,
        host,
        port,
        remember: this.remember,
        trustCertSha256,
      });
    } catch (e) {
      this.error = e as ErrorInfo;
      return null;
    } finally {
      this.busy = null;
    }
  }

  /** One-click sign-in with the password saved in the keyring. */
  async signInSaved(account: Account, trustCertSha256: string | null = null): Promise<Account | null> {
    if (this.busy) return null;
    this.lastAttempt = { kind: 'saved', account };
    this.error = null;
    this.busy = 'connecting';
    this.busyAccount = account.jid;
    try {
      return await ipc.login({
        jid: account.jid,
        password: null,
        host: account.host,
        port: account.port,
        remember: true,
        trustCertSha256,
      });
    } catch (e) {
      const error = e as ErrorInfo;
      // The saved password no longer works: let the user type one.
      if (error.code === 'auth_failed' || error.code === 'keyring') this.prefill(account);
      this.error = error;
      return null;
    } finally {
      this.busy = null;
      this.busyAccount = null;
    }
  }

  /** Repeats the last attempt, trusting the certificate the server presented. */
  async trustAndRetry(): Promise<Account | null> {
    const fingerprint = this.error?.fingerprint;
    if (!fingerprint) return null;
    const attempt = this.lastAttempt;
    return attempt.kind === 'saved' ? this.signInSaved(attempt.account, fingerprint) : this.submit(fingerprint);
  }
}
