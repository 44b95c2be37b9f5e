// Turns a backend ErrorInfo into a sentence in the user's language.
import { t, type MessageKey } from '../i18n';
import { isKnownErrorCode } from './ipc/commands';
import type { ErrorCode, ErrorInfo } from './ipc/types';
import { keyringName } from './platform.svelte';

// Every error code has a sentence: adding a code without one fails the type check.
type ErrorKey = `error.${ErrorCode}`;
const errorKey = (code: ErrorCode): ErrorKey extends MessageKey ? ErrorKey : never => `error.${code}`;

/**
 * The localized sentence for an error. Known codes never show the backend's English text; an
 * unknown code falls back to the message it came with.
 */
export function errorSentence(error: Pick<ErrorInfo, 'code' | 'message'>): string {
  // Sentences that name the password store use the OS's own word for it.
  if (isKnownErrorCode(error.code)) return t(errorKey(error.code), { keyring: keyringName() });
  return t('error.unknown', { message: error.message || error.code });
}

/** "ab12cd…" → "AB 12 CD …" pairs, for reading a SHA-256 fingerprint aloud or side by side. */
export function fingerprintGroups(fingerprint: string): string[] {
  const hex = fingerprint.replace(/[^0-9a-f]/gi, '').toUpperCase();
  const pairs: string[] = [];
  for (let i = 0; i < hex.length; i += 2) pairs.push(hex.slice(i, i + 2));
  return pairs;
}
