// The "add a contact" form: the address checked as it is typed, an optional name, and the call.
import * as ipc from '$lib/ipc/commands';
import type { Contact, ErrorInfo } from '$lib/ipc/types';
import { validateJid, type JidProblem } from '../login/jid';

export type ContactProblem = JidProblem | 'self' | 'known';

/** What the user typed, as a bare JID: trimmed, and without the scheme of a pasted xmpp: link. */
export function contactJid(input: string): string {
  const s = input.trim();
  const uri = /^xmpp:(?:\/\/[^/]*\/)?([^?#]*)/i.exec(s);
  return uri ? (uri[1] ?? '').trim() : s;
}

/**
 * The first reason `input` cannot be added, or null. Besides the shape of the address: it is not
 * our own, and not someone whose presence we already see.
 */
export function contactProblem(
  input: string,
  own: string,
  contacts: Record<string, Contact>,
): ContactProblem | null {
  const jid = contactJid(input);
  const shape = validateJid(jid);
  if (shape) return shape;
  const key = jid.toLowerCase();
  if (key === own.trim().toLowerCase()) return 'self';
  const known = Object.values(contacts).find((c) => c.jid.toLowerCase() === key);
  if (known?.inRoster && (known.subscription === 'to' || known.subscription === 'both')) return 'known';
  return null;
}

export class AddContactForm {
  jid = $state('');
  name = $state('');
  /** Hints appear only once the user has typed in the address. */
  dirty = $state(false);
  /** After leaving the field or trying to submit, a hint reads as an error. */
  insist = $state(false);
  busy = $state(false);
  error: ErrorInfo | null = $state(null);

  constructor(
    private readonly account: () => string,
    private readonly contacts: () => Record<string, Contact>,
  ) {}

  readonly problem: ContactProblem | null = $derived(contactProblem(this.jid, this.account(), this.contacts()));

  /** The roster entry for the typed address, if there is one (for the "already added" hint). */
  readonly existing: Contact | undefined = $derived.by(() => {
    const key = contactJid(this.jid).toLowerCase();
    return Object.values(this.contacts()).find((c) => c.jid.toLowerCase() === key);
  });

  /** Sends the request. Resolves true when the contact was added. */
  async submit(): Promise<boolean> {
    if (this.busy) return false;
    this.dirty = true;
    this.insist = true;
    if (this.problem) return false;
    this.busy = true;
    this.error = null;
    const name = this.name.trim();
    try {
      await ipc.addContact(this.account(), contactJid(this.jid), name === '' ? null : name);
      return true;
    } catch (e) {
      this.error = e as ErrorInfo;
      return false;
    } finally {
      this.busy = false;
    }
  }
}
