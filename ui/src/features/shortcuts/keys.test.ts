import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/en';
import { keyCap, keySpoken } from './keys';

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
});
