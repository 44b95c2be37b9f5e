import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setLocale } from '../../i18n';
import { platform } from '$lib/platform.svelte';
import ShortcutsSheet from './ShortcutsSheet.svelte';

const rows = () =>
  screen.getAllByTestId('shortcut').map((r) => [
    r.querySelector('dt')?.textContent?.trim(),
    [...r.querySelectorAll('[data-testid="keys"]')].map((k) => [...k.querySelectorAll('kbd')].map((c) => c.textContent).join(' ')),
  ]);

describe('ShortcutsSheet', () => {
  beforeEach(() => setLocale('en'));
  afterEach(() => {
    platform.os = 'other';
  });

  it('is a named dialog listing every shortcut with this system’s keys, and Escape closes it', async () => {
    platform.os = 'linux';
    const onClose = vi.fn();
    render(ShortcutsSheet, { onClose });
    const dialog = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(dialog).toHaveFocus();
    expect(rows()).toEqual(
      expect.arrayContaining([
        ['Go to a chat', ['Ctrl K']],
        ['Previous chat', ['Alt ↑']],
        ['Next chat', ['Alt ↓']],
        ['Next chat with unread messages', ['Alt Shift ↓']],
        ['Search contacts', ['Ctrl F']],
        ['Show keyboard shortcuts', ['?', 'Ctrl /']],
        ['Send the message', ['Enter']],
        ['New line', ['Shift Enter']],
        ['Close a dialog or menu, clear the search', ['Esc']],
        ['Open the context menu', ['Shift F10']],
      ]),
    );
    // Read out as words, not as signs.
    const sheetRow = screen.getByText('Show keyboard shortcuts').closest('[data-testid="shortcut"]') as HTMLElement;
    expect(within(sheetRow).getByText('question mark')).toHaveClass('visually-hidden');
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('shows ⌘ and ⌥ on macOS, without the context-menu key it lacks', () => {
    platform.os = 'macos';
    render(ShortcutsSheet, { onClose: () => {} });
    expect(rows()).toEqual(expect.arrayContaining([['Go to a chat', ['⌘ K']], ['Previous chat', ['⌥ ↑']]]));
    expect(screen.queryByText('Open the context menu')).toBeNull();
  });

  it.each([
    ['zh-CN', '键盘快捷键', '前往聊天', '上一个聊天'],
    ['zh-TW', '鍵盤快速鍵', '前往聊天', '上一個聊天'],
  ] as const)('speaks %s', (locale, title, switcher, previous) => {
    setLocale(locale);
    render(ShortcutsSheet, { onClose: () => {} });
    expect(screen.getByRole('dialog', { name: title })).toBeInTheDocument();
    expect(screen.getByText(switcher)).toBeInTheDocument();
    expect(screen.getByText(previous)).toBeInTheDocument();
  });
});
