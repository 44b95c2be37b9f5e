// How keys are written on the user's OS (Ctrl K, ⌘K), and what a screen reader should say for them.
import type { Os } from '$lib/ipc/types';
import type { MessageKey } from '../../i18n';

/** One key of a combination: a named key, or the character printed on it. */
export type KeyName =
  | 'mod'
  | 'alt'
  | 'shift'
  | 'up'
  | 'down'
  | 'enter'
  | 'esc'
  | 'pageUp'
  | 'pageDown'
  | 'f10'
  /** Any letter key. */
  | 'letters'
  | (string & {});

/** The way one key is printed on the user's keyboard. */
export function keyCap(key: KeyName, os: Os): string {
  const mac = os === 'macos';
  switch (key) {
    case 'mod':
      return mac ? '⌘' : 'Ctrl';
    case 'alt':
      return mac ? '⌥' : 'Alt';
    case 'shift':
      return mac ? '⇧' : 'Shift';
    case 'up':
      return '↑';
    case 'down':
      return '↓';
    case 'enter':
      return mac ? '↩' : 'Enter';
    case 'esc':
      return 'Esc';
    case 'pageUp':
      return mac ? '⇞' : 'PgUp';
    case 'pageDown':
      return mac ? '⇟' : 'PgDn';
    case 'f10':
      return 'F10';
    case 'letters':
      return 'A–Z';
    default:
      return key;
  }
}

/** Keys whose printed sign a screen reader may skip or misname: the name it should say. */
export const SPOKEN_KEYS: Readonly<Partial<Record<KeyName, MessageKey>>> = {
  up: 'keys.up',
  down: 'keys.down',
  pageUp: 'keys.pageUp',
  pageDown: 'keys.pageDown',
  letters: 'keys.letters',
  '?': 'keys.question',
  '/': 'keys.slash',
};

/** What a screen reader says for one key (names the OS itself uses: Command, Option, Return…). */
export function keySpoken(key: KeyName, os: Os, say: (key: MessageKey) => string): string {
  const mac = os === 'macos';
  const spoken = SPOKEN_KEYS[key];
  if (spoken) return say(spoken);
  if (key === 'mod' && mac) return 'Command';
  if (key === 'alt' && mac) return 'Option';
  if (key === 'shift') return 'Shift';
  if (key === 'enter') return mac ? 'Return' : 'Enter';
  if (key === 'esc') return 'Escape';
  return keyCap(key, os);
}

/** A combination, pressed together: ['mod', 'K']. */
export type Combo = readonly KeyName[];
