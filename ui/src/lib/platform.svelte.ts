// The platform the shell runs on, for the few words that differ per OS: where passwords are kept.
import { t } from '../i18n';
import type { Os } from './ipc/types';

/** Set once the shell has said which OS it runs on (app_info). */
export const platform: { os: Os } = $state({ os: 'other' });

/** What the OS calls its password store, in the UI language: keyring, Keychain, Credential Manager. */
export function keyringName(os: Os = platform.os): string {
  return t(`keyring.${os}`);
}
