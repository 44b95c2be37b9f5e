import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Account } from '$lib/ipc/types';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  setSettings: vi.fn((settings: unknown) => Promise.resolve(settings)),
}));

import { platform } from '$lib/platform.svelte';
import { setLocale } from '../../i18n';
import SettingsDialog from './SettingsDialog.svelte';
import { SettingsStore } from './store.svelte';

const FP = '3f9a1c0b7d2e4f5a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c';

function account(extra: Partial<Account> = {}): Account {
  return {
    jid: 'yan@example.org',
    host: null,
    port: null,
    pinnedCertSha256: FP,
    resource: 'hongyan',
    autoConnect: true,
    createdAt: 1,
    lastLoginAt: 2,
    hasPassword: true,
    state: 'online',
    show: 'online',
    status: null,
    ...extra,
  };
}

function setup(acc: Account | null = account(), lang: 'en' | 'zh-CN' = 'en') {
  const store = new SettingsStore();
  store.init({ language: lang, theme: 'system' }, 'en-US');
  const onForget = vi.fn((_keep: boolean) => Promise.resolve());
  const onLogout = vi.fn(() => Promise.resolve());
  render(SettingsDialog, { store, account: acc, version: '1.0', onClose: () => {}, onLogout, onForget });
  return { onForget, onLogout, store };
}

const items = () => within(screen.getByTestId('forget-list')).getAllByRole('listitem').map((li) => li.textContent?.trim());

describe('Forget account', () => {
  beforeEach(() => {
    platform.os = 'linux';
  });
  afterEach(() => {
    setLocale('en');
    platform.os = 'other';
  });

  it('says exactly what is removed, keeps history by default and says nothing on the server goes', async () => {
    const { onForget } = setup();
    await fireEvent.click(screen.getByTestId('forget-account'));
    const confirm = screen.getByRole('alertdialog', { name: 'Forget yan@example.org on this computer?' });
    expect(confirm).toHaveTextContent('This removes from this computer:');
    expect(items()).toEqual([
      'the account from the sign-in list',
      'its saved password in the system keyring',
      'its pinned certificate',
      'its cached contact list',
    ]);
    const keep = screen.getByTestId('forget-keep-history') as HTMLInputElement;
    expect(keep).toBeChecked();
    expect(screen.getByLabelText(/Keep local message history/)).toBe(keep);
    expect(confirm).toHaveTextContent('come back if you sign in to this address again');
    expect(confirm).toHaveTextContent('Nothing on the server is deleted');
    await fireEvent.click(screen.getByTestId('forget-confirm'));
    expect(onForget).toHaveBeenCalledExactlyOnceWith(true);
  });

  it('lists the local history among what goes once "keep" is unticked, and passes that on', async () => {
    const { onForget } = setup();
    await fireEvent.click(screen.getByTestId('forget-account'));
    await fireEvent.click(screen.getByTestId('forget-keep-history'));
    expect(items()).toContain('its local message history');
    await fireEvent.click(screen.getByTestId('forget-confirm'));
    expect(onForget).toHaveBeenCalledExactlyOnceWith(false);
  });

  it('does not claim to remove a password or certificate the account does not have', async () => {
    setup(account({ hasPassword: false, pinnedCertSha256: null }));
    await fireEvent.click(screen.getByTestId('forget-account'));
    expect(items()).toEqual(['the account from the sign-in list', 'its cached contact list']);
  });

  it('starts with "keep" ticked again after a cancelled confirmation', async () => {
    setup();
    await fireEvent.click(screen.getByTestId('forget-account'));
    await fireEvent.click(screen.getByTestId('forget-keep-history'));
    await fireEvent.click(screen.getByTestId('forget-cancel'));
    await fireEvent.click(screen.getByTestId('forget-account'));
    expect(screen.getByTestId('forget-keep-history')).toBeChecked();
  });

  it.each([
    ['linux', 'en', 'its saved password in the system keyring'],
    ['macos', 'en', 'its saved password in the macOS Keychain'],
    ['windows', 'en', 'its saved password in Windows Credential Manager'],
    ['linux', 'zh-CN', '保存在系统密钥环中的密码'],
    ['macos', 'zh-CN', '保存在钥匙串中的密码'],
    ['windows', 'zh-CN', '保存在凭据管理器中的密码'],
  ] as const)('names the password store of %s in %s', async (os, lang, line) => {
    platform.os = os;
    setup(account(), lang);
    await fireEvent.click(screen.getByTestId('forget-account'));
    expect(items()).toContain(line);
  });

  it('reads naturally in Chinese', async () => {
    setup(account(), 'zh-CN');
    await fireEvent.click(screen.getByTestId('forget-account'));
    const confirm = screen.getByRole('alertdialog', { name: '要在这台电脑上移除 yan@example.org 吗？' });
    expect(items()).toEqual(['登录列表中的这个账号', '保存在系统密钥环中的密码', '固定的证书', '缓存的联系人列表']);
    expect(screen.getByLabelText(/保留本地聊天记录/)).toBeChecked();
    expect(confirm).toHaveTextContent('服务器上的任何内容都不会被删除');
  });
});

describe('Settings layout and controls', () => {
  afterEach(() => setLocale('en'));

  it.each(['en', 'zh-CN'] as const)('keeps every label on one line in one shared label column (%s)', (lang) => {
    setup(account(), lang);
    const labels = Array.from(document.querySelectorAll<HTMLElement>('.label'));
    const texts = labels.map((l) => l.textContent?.trim());
    expect(texts).toContain(lang === 'en' ? 'Pinned certificate (SHA-256)' : '固定的证书（SHA-256）');
    for (const label of labels) expect(getComputedStyle(label).whiteSpace, label.textContent ?? '').toBe('nowrap');
    // The column is as wide as the longest label, and the sections share it.
    const content = labels[0]?.closest('section')?.parentElement as HTMLElement;
    expect(getComputedStyle(content).gridTemplateColumns).toMatch(/^max-content/);
    for (const section of content.querySelectorAll('section')) {
      expect(getComputedStyle(section).gridTemplateColumns).toBe('subgrid');
    }
    expect(getComputedStyle(content.querySelector('dl') as HTMLElement).gridTemplateColumns).toBe('subgrid');
  });

  it('picks the language with the app’s own listbox and the keyboard', async () => {
    const { store } = setup(account());
    expect(document.querySelector('select')).toBeNull();
    const picker = screen.getByRole('combobox', { name: 'Language' });
    // The dialog puts the keyboard on it first.
    expect(picker).toHaveFocus();
    await fireEvent.keyDown(picker, { key: 'Enter' });
    const list = screen.getByRole('listbox');
    expect(within(list).getAllByRole('option').map((o) => o.textContent?.trim())).toEqual([
      'Automatic (system)',
      'English',
      '简体中文',
      '繁體中文',
    ]);
    expect(within(list).getByRole('option', { name: 'English' })).toHaveAttribute('aria-selected', 'true');
    await fireEvent.keyDown(picker, { key: 'ArrowDown' });
    await fireEvent.keyDown(picker, { key: 'Enter' });
    expect(store.settings.language).toBe('zh-CN');
    expect(screen.getByRole('heading', { name: '设置' })).toBeInTheDocument();
    await fireEvent.keyDown(picker, { key: 'Enter' });
    await fireEvent.keyDown(picker, { key: 'ArrowDown' });
    await fireEvent.keyDown(picker, { key: 'Enter' });
    expect(store.settings.language).toBe('zh-TW');
    expect(screen.getByRole('heading', { name: '設定' })).toBeInTheDocument();
  });

  it('closes only the list on Escape, not the dialog', async () => {
    const store = new SettingsStore();
    store.init({ language: 'en', theme: 'system' }, 'en');
    const onClose = vi.fn();
    render(SettingsDialog, { store, onClose, onLogout: async () => {}, onForget: async () => {} });
    const picker = screen.getByRole('combobox', { name: 'Language' });
    await fireEvent.keyDown(picker, { key: 'ArrowDown' });
    expect(screen.getByRole('listbox')).toBeInTheDocument();
    await fireEvent.keyDown(picker, { key: 'Escape' });
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(onClose).not.toHaveBeenCalled();
    await fireEvent.keyDown(picker, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});

describe('Server row', () => {
  const sandbox = { domain: 'localhost', host: '127.0.0.1', port: 5333 };
  const row = () => screen.getByText('Server').nextElementSibling?.textContent;
  const show = (acc: Account, withSandbox = true) => {
    const store = new SettingsStore();
    store.init({ language: 'en', theme: 'system' }, 'en-US');
    render(SettingsDialog, {
      store,
      account: acc,
      sandbox: withSandbox ? sandbox : null,
      onClose: () => {},
      onLogout: async () => {},
      onForget: async () => {},
    });
  };

  it('names the sandbox for an account on its domain', () => {
    show(account({ jid: 'alice@localhost' }));
    expect(row()).toBe('Local sandbox server (127.0.0.1:5333)');
  });

  it('keeps DNS for other domains and a typed host when there is one', () => {
    show(account());
    expect(row()).toBe('Found through DNS');
  });

  it('shows a typed host even on the sandbox domain', () => {
    show(account({ jid: 'alice@localhost', host: '10.0.0.5', port: 5222 }));
    expect(row()).toBe('10.0.0.5:5222');
  });

  it('without a sandbox, a localhost account is found through DNS', () => {
    show(account({ jid: 'alice@localhost' }), false);
    expect(row()).toBe('Found through DNS');
  });
});
