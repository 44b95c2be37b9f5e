import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  setSettings: vi.fn((settings: unknown) => Promise.resolve(settings)),
}));

import * as ipc from '$lib/ipc/commands';
import SettingsDialog from '../features/settings/SettingsDialog.svelte';
import { SettingsStore } from '../features/settings/store.svelte';
import { en } from './en';
import { formatTime, localeFromSystem, resolveLocale, setLocale, t } from './index';
import { zhCN } from './zh-CN';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** Picks an option of one of Hongyan's Select controls, the way a pointer user does. */
async function pick(testid: string, label: string) {
  await fireEvent.click(screen.getByTestId(testid));
  await fireEvent.click(screen.getByRole('option', { name: label }));
}

describe('dictionaries', () => {
  it('have the same keys, no empty strings and the same placeholders', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as Array<keyof typeof en>) {
      expect(en[key].trim(), key).not.toBe('');
      expect(zhCN[key].trim(), key).not.toBe('');
      expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
    }
  });
});

describe('locale selection', () => {
  it('prefers the explicit setting, then the OS locale, then the browser', () => {
    expect(resolveLocale('en', 'zh-CN', 'zh-CN')).toBe('en');
    expect(resolveLocale('zh-CN', 'en-US', 'en-US')).toBe('zh-CN');
    expect(resolveLocale('auto', 'zh-CN', 'en-US')).toBe('zh-CN');
    expect(resolveLocale('auto', 'zh_TW.UTF-8', 'en-US')).toBe('zh-CN');
    expect(resolveLocale('auto', 'de-DE', 'zh-CN')).toBe('en');
    expect(resolveLocale('auto', '', 'zh-Hans-CN')).toBe('zh-CN');
    expect(resolveLocale(null, null, 'fr')).toBe('en');
  });
  it('only treats zh tags as Chinese', () => {
    expect(localeFromSystem('zh')).toBe('zh-CN');
    expect(localeFromSystem('ZH-hk')).toBe('zh-CN');
    expect(localeFromSystem('zu-ZA')).toBe('en');
    expect(localeFromSystem('en-ZH')).toBe('en');
  });
});

describe('t()', () => {
  afterEach(() => setLocale('en'));
  it('fills placeholders and follows the active locale', () => {
    setLocale('en');
    expect(t('conn.reconnectingIn', { n: 5 })).toBe('Reconnecting in 5 s…');
    setLocale('zh-CN');
    expect(t('conn.reconnectingIn', { n: 5 })).toBe('5 秒后重新连接…');
  });
  it('formats times as 24-hour HH:mm in local time', () => {
    const at = new Date(2024, 0, 2, 7, 5).getTime();
    expect(formatTime(at, 'en')).toBe('07:05');
    expect(formatTime(at, 'zh-CN')).toBe('07:05');
    expect(formatTime(new Date(2024, 0, 2, 23, 59).getTime(), 'en')).toBe('23:59');
  });
});

describe('switching language in settings', () => {
  afterEach(() => {
    setLocale('en');
    delete document.documentElement.dataset.theme;
  });

  it('re-renders every string at once, updates <html lang> and saves the choice', async () => {
    const store = new SettingsStore();
    store.init({ language: 'en', theme: 'system' }, 'en-US');
    expect(document.documentElement.lang).toBe('en');
    render(SettingsDialog, {
      store,
      account: null,
      onClose: () => {},
      onLogout: async () => {},
      onForget: async () => {},
    });
    expect(screen.getByRole('heading', { name: 'Settings' })).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'Dark' })).toBeInTheDocument();

    await pick('settings-language', '简体中文');

    expect(screen.getByRole('heading', { name: '设置' })).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: '深色' })).toBeInTheDocument();
    expect(screen.queryByText('Settings')).toBeNull();
    expect(document.documentElement.lang).toBe('zh-CN');
    expect(ipc.setSettings).toHaveBeenCalledWith({ language: 'zh-CN', theme: 'system' });

    await pick('settings-language', '自动（跟随系统）');
    // "auto" follows the OS locale the shell reported (en-US here).
    expect(document.documentElement.lang).toBe('en');
    expect(screen.getByRole('heading', { name: 'Settings' })).toBeInTheDocument();
  });

  it('forces a theme through data-theme and returns to the system one', async () => {
    const store = new SettingsStore();
    store.init({ language: 'en', theme: 'system' }, 'en');
    render(SettingsDialog, { store, onClose: () => {}, onLogout: async () => {}, onForget: async () => {} });
    expect(document.documentElement.dataset.theme).toBeUndefined();
    await fireEvent.click(screen.getByRole('radio', { name: 'Dark' }));
    expect(document.documentElement.dataset.theme).toBe('dark');
    await fireEvent.click(screen.getByRole('radio', { name: 'System' }));
    expect(document.documentElement.dataset.theme).toBeUndefined();
    expect(ipc.setSettings).toHaveBeenLastCalledWith({ language: 'en', theme: 'system' });
  });
});
