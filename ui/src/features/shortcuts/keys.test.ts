import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/en';
import { commandOf, keyCap, keySpoken, SHORTCUTS } from './keys';

const key = (init: KeyboardEventInit) => new KeyboardEvent('keydown', { cancelable: true, ...init });

describe('commandOf', () => {
  const body = document.body;

  it('reads Ctrl+K and ⌘K as the quick switcher, in either case, and nothing else with them', () => {
    expect(commandOf(key({ key: 'k', ctrlKey: true }), body)).toBe('switcher');
    expect(commandOf(key({ key: 'K', metaKey: true }), body)).toBe('switcher');
    expect(commandOf(key({ key: 'k', ctrlKey: true, altKey: true }), body)).toBeNull();
    expect(commandOf(key({ key: 'K', ctrlKey: true, shiftKey: true }), body)).toBeNull();
    expect(commandOf(key({ key: 'k' }), body)).toBeNull();
  });

  it('reads Alt+↑/↓ as the chat before and after, with Shift the unread ones', () => {
    expect(commandOf(key({ key: 'ArrowUp', altKey: true }), body)).toBe('previous');
    expect(commandOf(key({ key: 'ArrowDown', altKey: true }), body)).toBe('next');
    expect(commandOf(key({ key: 'ArrowUp', altKey: true, shiftKey: true }), body)).toBe('previousUnread');
    expect(commandOf(key({ key: 'ArrowDown', altKey: true, shiftKey: true }), body)).toBe('nextUnread');
    expect(commandOf(key({ key: 'ArrowDown' }), body)).toBeNull();
    expect(commandOf(key({ key: 'ArrowDown', altKey: true, ctrlKey: true }), body)).toBeNull();
  });

  it('opens the sheet with Ctrl+/ anywhere and with ? only where it would not be typed', () => {
    const area = document.createElement('textarea');
    const button = document.createElement('button');
    document.body.append(area, button);
    expect(commandOf(key({ key: '/', ctrlKey: true }), area)).toBe('shortcuts');
    expect(commandOf(key({ key: '?', ctrlKey: true, shiftKey: true }), area)).toBe('shortcuts');
    // German layout: / is Shift+7.
    expect(commandOf(key({ key: '/', code: 'Digit7', ctrlKey: true, shiftKey: true }), area)).toBe('shortcuts');
    expect(commandOf(key({ key: '?', shiftKey: true }), body)).toBe('shortcuts');
    expect(commandOf(key({ key: '?', shiftKey: true }), button)).toBe('shortcuts');
    expect(commandOf(key({ key: '?', shiftKey: true }), area)).toBeNull();
    area.remove();
    button.remove();
  });

  it('leaves keys alone that something else took, or that an input method is composing', () => {
    const taken = key({ key: 'k', ctrlKey: true });
    taken.preventDefault();
    expect(commandOf(taken, document.body)).toBeNull();
    expect(commandOf(key({ key: 'ArrowDown', altKey: true, isComposing: true }), document.body)).toBeNull();
  });
});

describe('how keys are written', () => {
  it('uses the symbols of macOS there and the names elsewhere', () => {
    expect(['mod', 'alt', 'shift', 'enter'].map((k) => keyCap(k, 'macos'))).toEqual(['⌘', '⌥', '⇧', '↩']);
    expect(['mod', 'alt', 'shift', 'enter'].map((k) => keyCap(k, 'windows'))).toEqual(['Ctrl', 'Alt', 'Shift', 'Enter']);
    expect(keyCap('K', 'linux')).toBe('K');
  });

  it('gives a screen reader words for the signs', () => {
    const say = (k: keyof typeof en) => en[k];
    expect(['mod', 'alt', 'up', '?'].map((k) => keySpoken(k, 'macos', say))).toEqual([
      'Command',
      'Option',
      'Up arrow',
      'question mark',
    ]);
    expect(['mod', 'esc', 'K'].map((k) => keySpoken(k, 'linux', say))).toEqual(['Ctrl', 'Escape', 'K']);
  });

  it('lists every window shortcut once, and only shortcuts', () => {
    const labels = SHORTCUTS.flatMap((g) => g.shortcuts.map((s) => s.label));
    expect(new Set(labels).size).toBe(labels.length);
    // Every shortcuts.* string but the sheet's own words is a row of the sheet.
    const rows = Object.keys(en).filter(
      (k) => k.startsWith('shortcuts.') && !/^shortcuts\.(title|close|or|group\.|hint\.)/.test(k),
    );
    expect([...labels].sort()).toEqual(rows.sort());
    for (const l of ['shortcuts.switcher', 'shortcuts.previous', 'shortcuts.next', 'shortcuts.search', 'shortcuts.sheet']) {
      expect(labels).toContain(l);
    }
  });
});
