// The sign-in / create-account form: field state, validation as you type, and the submit flow
// (register → log in, certificate trust, one-click sign-in with a saved password, cancel).
//
// Sandbox: the shell sends every address on the sandbox domain to the local sandbox server by
// itself, so such an address simply works from the normal form. "Use the sandbox" only adds a
// convenience mode (create account, a bare name is completed with the sandbox domain) that the
// user can leave again; an address on another domain is never sent to the sandbox.
import * as ipc from '$lib/ipc/commands';
import type { Account, ErrorInfo, SandboxInfo } from '$lib/ipc/types';
import { parsePort, splitJid, validateJid, type JidProblem } from './jid';

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
  /** The attempt running now. A cancelled attempt's late answer finds another (or none) here. */
  private running: { id: number; jid: string } | null = null;
  private attempts = 0;
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
  /** Lower-case domain of a well-formed address, else ''. */
  private readonly domain: string = $derived(
    this.jidProblem === null ? splitJid(this.effectiveJid).domain.toLowerCase() : '',
  );
  /** The shell will send this address to the sandbox server (sandbox mode or not). */
  readonly goesToSandbox: boolean = $derived(
    this.sandbox !== null && this.domain !== '' && this.domain === this.sandbox.domain.toLowerCase(),
  );
  /** In sandbox mode, but the address names another server: it goes there, not to the sandbox. */
  readonly leavesSandbox: boolean = $derived(this.sandboxActive && this.domain !== '' && !this.goesToSandbox);
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

  /** The user typed in `field`: its hints may show now, and an answer about older values goes. */
  edited(field: Field): void {
    this.dirty[field] = true;
    this.error = null;
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
    this.error = null;
    this.submitted = false;
    // Keep a name the user already typed, move it to the sandbox domain.
    const local = this.jid.trim().split('@')[0] ?? '';
    this.jid = local ? `${local}@${this.sandbox.domain}` : '';
  }

  /** Back to signing in to a real server. A name typed for the sandbox keeps only its name part. */
  leaveSandbox(): void {
    if (!this.sandboxActive || this.busy) return;
    this.sandboxActive = false;
    this.mode = 'signin';
    this.error = null;
    this.submitted = false;
    if (this.sandbox) {
      const typed = this.jid.trim();
      const suffix = `@${this.sandbox.domain}`.toLowerCase();
      if (typed.toLowerCase().endsWith(suffix)) this.jid = typed.slice(0, typed.length - suffix.length);
    }
  }

  /**
   * Stops the registration or sign-in that is running. The form is editable again at once; the
   * shell is asked to abort, and whatever the attempt answers later is dropped.
   */
  cancel(): void {
    const run = this.running;
    if (!run || this.busy === null) return;
    this.finish();
    this.error = null;
    ipc.cancelLogin(run.jid).catch(() => {
      // It may have ended meanwhile; its answer is ignored either way.
    });
  }

  /** Host and port to send: none for sandbox addresses (the shell finds that server itself). */
  private route(): { host: string | null; port: number | null } {
    if (this.goesToSandbox) return { host: null, port: null };
    return { host: this.host.trim() || null, port: parsePort(this.port).port };
  }

  private begin(jid: string, busy: Exclude<Busy, null>): { id: number; jid: string } {
    const run = { id: ++this.attempts, jid };
    this.running = run;
    this.busy = busy;
    return run;
  }

  private isCurrent(run: { id: number }): boolean {
    return this.running?.id === run.id;
  }

  private finish(): void {
    this.running = null;
    this.busy = null;
    this.busyAccount = null;
  }

  /** A cancelled sign-in that went through anyway: sign it out, it is not wanted any more. */
  private dropLate(account: Account): void {
    ipc.logout(account.jid).catch(() => {});
  }

  /** Shows a failure, except a cancellation (the user asked for it, nothing went wrong). */
  private fail(error: ErrorInfo): void {
    this.error = error.code === 'cancelled' ? null : error;
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
    const { host, port } = this.route();
    const registering = this.mode === 'register' && !this.registered.has(jid);
    const run = this.begin(jid, registering ? 'registering' : 'connecting');
    try {
      if (registering) {
        await ipc.registerAccount({ jid, password: this.password, host, port, trustCertSha256 });
        // It exists on the server now, even if the user cancelled meanwhile.
        this.registered.add(jid);
        if (!this.isCurrent(run)) return null;
        this.busy = 'connecting';
      }
      const account = await ipc.login({
        jid,
        password: this.password,
        host,
        port,
        remember: this.remember,
        trustCertSha256,
      });
      if (!this.isCurrent(run)) {
        this.dropLate(account);
        return null;
      }
      return account;
    } catch (e) {
      if (this.isCurrent(run)) this.fail(e as ErrorInfo);
      return null;
    } finally {
      if (this.isCurrent(run)) this.finish();
    }
  }

  /** One-click sign-in with the password saved in the keyring. */
  async signInSaved(account: Account, trustCertSha256: string | null = null): Promise<Account | null> {
    if (this.busy) return null;
    this.lastAttempt = { kind: 'saved', account };
    this.error = null;
    const run = this.begin(account.jid, 'connecting');
    this.busyAccount = account.jid;
    try {
      const signedIn = await ipc.login({
        jid: account.jid,
        password: null,
        host: account.host,
        port: account.port,
        remember: true,
        trustCertSha256,
      });
      if (!this.isCurrent(run)) {
        this.dropLate(signedIn);
        return null;
      }
      return signedIn;
    } catch (e) {
      if (!this.isCurrent(run)) return null;
      const error = e as ErrorInfo;
      // The saved password no longer works: let the user type one.
      if (error.code === 'auth_failed' || error.code === 'keyring') this.prefill(account);
      this.fail(error);
      return null;
    } finally {
      if (this.isCurrent(run)) this.finish();
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
