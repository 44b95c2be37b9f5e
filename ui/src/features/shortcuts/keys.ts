// Hongyan's window-wide keyboard shortcuts: which key does what, and how each is written on the
// user's OS. The shortcuts sheet lists SHORTCUTS, so what it shows is what the keys do.
import type { Os } from '$lib/ipc/types';
import type { MessageKey } from '../../i18n';
import { takesKeys } from '../chat/typeToCompose';

/** What a window-wide shortcut asks for. */
export type Command = 'switcher' | 'previous' | 'next' | 'previousUnread' | 'nextUnread' | 'shortcuts';

/**
 * The command a keydown means, or null. Ctrl and ⌘ both count as the command key (people use
 * either on every OS); `?` alone only counts where it would not be typed into something.
 */
export function commandOf(event: KeyboardEvent, focused: Element | null): Command | null {
  if (event.defaultPrevented || event.isComposing || event.keyCode === 229) return null;
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key;
  if (mod && !event.altKey) {
    if (!event.shiftKey && key.toLowerCase() === 'k') return 'switcher';
    // Ctrl+/ is Ctrl+Shift+7 on German keyboards and Ctrl+? with Shift on US ones.
    if (key === '/' || key === '?' || event.code === 'Slash') return 'shortcuts';
    return null;
  }
  if (event.altKey && !mod && (key === 'ArrowUp' || key === 'ArrowDown')) {
    const up = key === 'ArrowUp';
    if (event.shiftKey) return up ? 'previousUnread' : 'nextUnread';
    return up ? 'previous' : 'next';
  }
  if (key === '?' && !mod && !event.altKey && !takesKeys(focused)) return 'shortcuts';
  return null;
}

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

export type Shortcut = {
  /** What it does, in a few words. */
  label: MessageKey;
  /** Either of these combinations. */
  combos: readonly Combo[];
  /** Only on some systems (macOS has no keyboard context-menu key). */
  except?: Os;
};

export type ShortcutGroup = { title: MessageKey; shortcuts: readonly Shortcut[] };

/** Every shortcut Hongyan has, grouped as the sheet shows them. */
export const SHORTCUTS: readonly ShortcutGroup[] = [
  {
    title: 'shortcuts.group.anywhere',
    shortcuts: [
      { label: 'shortcuts.switcher', combos: [['mod', 'K']] },
      { label: 'shortcuts.previous', combos: [['alt', 'up']] },
      { label: 'shortcuts.next', combos: [['alt', 'down']] },
      { label: 'shortcuts.previousUnread', combos: [['alt', 'shift', 'up']] },
      { label: 'shortcuts.nextUnread', combos: [['alt', 'shift', 'down']] },
      { label: 'shortcuts.search', combos: [['mod', 'F']] },
      { label: 'shortcuts.sheet', combos: [['?'], ['mod', '/']] },
    ],
  },
  {
    title: 'shortcuts.group.chat',
    shortcuts: [
      { label: 'shortcuts.send', combos: [['enter']] },
      { label: 'shortcuts.newline', combos: [['shift', 'enter']] },
      { label: 'shortcuts.typeAnywhere', combos: [['letters']] },
      { label: 'shortcuts.scroll', combos: [['pageUp'], ['pageDown']] },
    ],
  },
  {
    title: 'shortcuts.group.lists',
    shortcuts: [
      { label: 'shortcuts.move', combos: [['up'], ['down']] },
      { label: 'shortcuts.open', combos: [['enter']] },
      { label: 'shortcuts.dismiss', combos: [['esc']] },
      { label: 'shortcuts.menu', combos: [['shift', 'f10']], except: 'macos' },
    ],
  },
];
