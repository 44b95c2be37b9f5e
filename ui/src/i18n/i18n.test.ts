import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  setSettings: vi.fn((settings: unknown) => Promise.resolve(settings)),
}));

import * as ipc from '$lib/ipc/commands';
import SettingsDialog from '../features/settings/SettingsDialog.svelte';
import { SettingsStore } from '../features/settings/store.svelte';
import { en, type MessageKey } from './en';
import { formatTime, localeFromSystem, resolveLocale, setLocale, t } from './index';
import { zhCN } from './zh-CN';
import { zhTW } from './zh-TW';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** Picks an option of one of Hongyan's Select controls, the way a pointer user does. */
async function pick(testid: string, label: string) {
  await fireEvent.click(screen.getByTestId(testid));
  await fireEvent.click(screen.getByRole('option', { name: label }));
}

const TRANSLATIONS = { 'zh-CN': zhCN, 'zh-TW': zhTW } as const;

/**
 * Strings that stay as they are in every language: example addresses (a format, not words).
 * Anything else equal to the English is a string someone forgot to translate.
 */
const SAME_IN_EVERY_LANGUAGE: ReadonlySet<MessageKey> = new Set<MessageKey>([
  'login.jid.placeholder',
  'contacts.add.jid.placeholder',
]);

describe('dictionaries', () => {
  it.each(Object.entries(TRANSLATIONS))('%s has exactly the English keys, none empty', (_, dict) => {
    expect(Object.keys(dict).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as MessageKey[]) {
      expect(en[key].trim(), key).not.toBe('');
      expect(dict[key].trim(), key).not.toBe('');
    }
  });

  it.each(Object.entries(TRANSLATIONS))('%s fills the same {placeholders} as English', (_, dict) => {
    for (const key of Object.keys(en) as MessageKey[]) {
      expect(placeholders(dict[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it.each(Object.entries(TRANSLATIONS))('%s translates every string but the listed formats', (_, dict) => {
    const untranslated = (Object.keys(en) as MessageKey[]).filter((key) => dict[key] === en[key]);
    expect(untranslated.sort()).toEqual([...SAME_IN_EVERY_LANGUAGE].sort());
  });

  it('writes Traditional Chinese in Taiwan\'s words, not Simplified characters or mainland terms', () => {
    const text = Object.values(zhTW).join('\n');
    // Common characters that exist only in their Simplified form.
    for (const ch of '们这说设务连线发录码联讯帐账号间时显择请错应网络级备简体户开关闭览签对话载传证书为从删') {
      expect(text, ch).not.toContain(ch);
    }
    // Mainland words with a Taiwanese counterpart.
    for (const [mainland, taiwan] of [
      ['消息', '訊息'],
      ['服務器', '伺服器'],
      ['設置', '設定'],
      ['賬號', '帳號'],
      ['登錄', '登入'],
      ['文件', '檔案'],
      ['證書', '憑證'],
      ['網絡', '網路'],
      ['信息', '資訊'],
      ['默認', '預設'],
      ['支持', '支援'],
      ['加載', '載入'],
      ['發送', '傳送'],
      ['“', '「'],
    ]) {
      expect(text, `${mainland} → ${taiwan}`).not.toContain(mainland);
    }
    expect(zhTW['roster.noMatches']).toBe('沒有符合「{query}」的聯絡人');
    expect(zhTW['settings.title']).toBe('設定');
    expect(zhTW['settings.account']).toBe('帳號');
    expect(zhTW['login.mode.signin']).toBe('登入');
  });

  it('keeps the Simplified dictionary Simplified', () => {
    const text = Object.values(zhCN).join('\n');
    for (const ch of '們這說設務連線發錄碼聯訊帳賬號間時顯擇請錯應網絡級備') expect(text, ch).not.toContain(ch);
  });
});

describe('locale selection', () => {
  it('prefers the explicit setting, then the OS locale, then the browser', () => {
    expect(resolveLocale('en', 'zh-CN', 'zh-CN')).toBe('en');
    expect(resolveLocale('zh-CN', 'en-US', 'en-US')).toBe('zh-CN');
    expect(resolveLocale('zh-TW', 'zh-CN', 'en-US')).toBe('zh-TW');
    expect(resolveLocale('auto', 'zh-CN', 'en-US')).toBe('zh-CN');
    expect(resolveLocale('auto', 'zh_TW.UTF-8', 'en-US')).toBe('zh-TW');
    expect(resolveLocale('auto', 'de-DE', 'zh-CN')).toBe('en');
    expect(resolveLocale('auto', '', 'zh-Hans-CN')).toBe('zh-CN');
    expect(resolveLocale('auto', null, 'zh-HK')).toBe('zh-TW');
    expect(resolveLocale(null, null, 'fr')).toBe('en');
  });

  it.each([
    ['zh-TW', 'zh-TW'],
    ['zh_TW.UTF-8', 'zh-TW'],
    ['zh-HK', 'zh-TW'],
    ['ZH-hk', 'zh-TW'],
    ['zh_HK.Big5-HKSCS', 'zh-TW'],
    ['zh-MO', 'zh-TW'],
    ['zh-Hant', 'zh-TW'],
    ['zh-Hant-TW', 'zh-TW'],
    ['zh-Hant-HK', 'zh-TW'],
    // The script is what the reader reads; it wins over the region.
    ['zh-Hant-CN', 'zh-TW'],
    ['zh-Hans-HK', 'zh-CN'],
    ['zh-Hans', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['zh-CN', 'zh-CN'],
    ['zh_CN.UTF-8', 'zh-CN'],
    ['zh-SG', 'zh-CN'],
    ['zh-MY', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['ZH', 'zh-CN'],
    [' zh-tw ', 'zh-TW'],
  ] as const)('maps the OS locale %s to %s', (tag, expected) => {
    expect(localeFromSystem(tag)).toBe(expected);
  });

  it('only treats zh tags as Chinese', () => {
    for (const tag of ['zu-ZA', 'en-ZH', 'en-TW', 'en-HK', 'ja-JP', 'zha', 'C', '', null, undefined]) {
      expect(localeFromSystem(tag), String(tag)).toBe('en');
    }
  });
});

describe('t()', () => {
  afterEach(() => setLocale('en'));
  it('fills placeholders and follows the active locale', () => {
    setLocale('en');
    expect(t('conn.reconnectingIn', { n: 5 })).toBe('Reconnecting in 5 s…');
    setLocale('zh-CN');
    expect(t('conn.reconnectingIn', { n: 5 })).toBe('5 秒后重新连接…');
    setLocale('zh-TW');
    expect(t('conn.reconnectingIn', { n: 5 })).toBe('5 秒後重新連線…');
    expect(document.documentElement.lang).toBe('zh-TW');
    expect(document.title).toBe('鴻雁');
  });
  it('formats times as 24-hour HH:mm in local time', () => {
    const at = new Date(2024, 0, 2, 7, 5).getTime();
    expect(formatTime(at, 'en')).toBe('07:05');
    expect(formatTime(at, 'zh-CN')).toBe('07:05');
    expect(formatTime(at, 'zh-TW')).toBe('07:05');
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

    await pick('settings-language', '繁體中文');
    expect(screen.getByRole('heading', { name: '設定' })).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: '深色' })).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: '語言' })).toHaveTextContent('繁體中文');
    expect(document.documentElement.lang).toBe('zh-TW');
    expect(ipc.setSettings).toHaveBeenLastCalledWith({ language: 'zh-TW', theme: 'system' });

    await pick('settings-language', '自動（跟隨系統）');
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

describe('the language pickers', () => {
  afterEach(() => setLocale('en'));

  it('offer every language in its own name, whatever the UI language', async () => {
    const store = new SettingsStore();
    store.init({ language: 'zh-TW', theme: 'system' }, 'en-US');
    expect(document.documentElement.lang).toBe('zh-TW');
    render(SettingsDialog, { store, onClose: () => {}, onLogout: async () => {}, onForget: async () => {} });
    await fireEvent.click(screen.getByTestId('settings-language'));
    expect(screen.getAllByRole('option').map((o) => o.textContent?.trim())).toEqual([
      '自動（跟隨系統）',
      'English',
      '简体中文',
      '繁體中文',
    ]);
  });

  it('follow a Traditional Chinese OS when automatic', () => {
    const store = new SettingsStore();
    store.init({ language: 'auto', theme: 'system' }, 'zh-Hant-HK');
    expect(document.documentElement.lang).toBe('zh-TW');
    store.init({ language: 'auto', theme: 'system' }, 'zh-SG');
    expect(document.documentElement.lang).toBe('zh-CN');
  });
});
