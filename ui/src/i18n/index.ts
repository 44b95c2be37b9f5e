// Locale selection, string lookup and locale-aware formatting for the whole UI.
import { en, type MessageKey, type Messages } from './en';
import { zhCN } from './zh-CN';
import { zhTW } from './zh-TW';
import { localeState, type Locale } from './locale.svelte';
import type { LanguageSetting } from '$lib/ipc/types';

export type { Locale, MessageKey };

const DICTIONARIES: Record<Locale, Messages> = { en, 'zh-CN': zhCN, 'zh-TW': zhTW };

export const LOCALES: readonly Locale[] = ['en', 'zh-CN', 'zh-TW'];

/** Each language named in itself, as language pickers show it whatever the UI language is. */
export const LANGUAGE_NAMES: Readonly<Record<Locale, string>> = {
  en: 'English',
  'zh-CN': '简体中文',
  'zh-TW': '繁體中文',
};

/** The choices of a language picker: "automatic" first, then every language in its own name. */
export function languageOptions(): Array<{ value: LanguageSetting; label: string }> {
  return [
    { value: 'auto', label: t('settings.language.auto') },
    ...LOCALES.map((value) => ({ value, label: LANGUAGE_NAMES[value] })),
  ];
}

export type Params = Record<string, string | number>;

/** Looks up `key` in the active locale and fills {placeholders}. Reactive inside components. */
export function t(key: MessageKey, params?: Params): string {
  const text = DICTIONARIES[localeState.current][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function locale(): Locale {
  return localeState.current;
}

/** Switches the UI language at once and tells assistive technology via <html lang>. */
export function setLocale(next: Locale): void {
  localeState.current = next;
  if (typeof document !== 'undefined') {
    document.documentElement.lang = next;
    document.title = DICTIONARIES[next]['app.name'];
  }
}

/** Chinese written in Traditional characters by default: Taiwan, Hong Kong, Macao. */
const TRADITIONAL_REGIONS = new Set(['tw', 'hk', 'mo']);

/**
 * The UI language for an OS or browser locale, in BCP 47 or POSIX spelling ("zh-Hant-HK",
 * "zh_TW.UTF-8"). Chinese goes by its script when the tag names one (Hant → Traditional,
 * Hans → Simplified), else by region (TW, HK, MO → Traditional; CN, SG, none… → Simplified).
 * Anything else is English.
 */
export function localeFromSystem(tag: string | null | undefined): Locale {
  const parts = (tag ?? '').trim().split(/[.@]/)[0]?.toLowerCase().split(/[-_]/) ?? [];
  if (parts[0] !== 'zh') return 'en';
  const subtags = parts.slice(1);
  if (subtags.includes('hant')) return 'zh-TW';
  if (subtags.includes('hans')) return 'zh-CN';
  return subtags.some((s) => TRADITIONAL_REGIONS.has(s)) ? 'zh-TW' : 'zh-CN';
}

/**
 * The language the UI starts in: an explicit setting wins; "auto" follows the OS locale the shell
 * reports, then the webview's own language.
 */
export function resolveLocale(
  setting: LanguageSetting | null | undefined,
  osLocale: string | null | undefined,
  browserLocale: string | null | undefined = typeof navigator !== 'undefined' ? navigator.language : null,
): Locale {
  if (setting && setting !== 'auto' && (LOCALES as readonly string[]).includes(setting)) return setting;
  if (osLocale) return localeFromSystem(osLocale);
  return localeFromSystem(browserLocale);
}

const timeFormats = new Map<Locale, Intl.DateTimeFormat>();

/** Local wall-clock time, 24-hour HH:mm. */
export function formatTime(ms: number, loc: Locale = localeState.current): string {
  let f = timeFormats.get(loc);
  if (!f) {
    f = new Intl.DateTimeFormat(loc, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    timeFormats.set(loc, f);
  }
  return f.format(ms);
}

/** Full local date and time, for tooltips. */
export function formatDateTime(ms: number, loc: Locale = localeState.current): string {
  return new Intl.DateTimeFormat(loc, {
    dateStyle: 'full',
    timeStyle: 'medium',
    hourCycle: 'h23',
  }).format(ms);
}

/** Midnight (local time) of the day containing `ms`. */
export function startOfLocalDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** "Today", "Yesterday", a weekday within the last week, otherwise a localized date. */
export function formatDay(ms: number, now: number, loc: Locale = localeState.current): string {
  const day = startOfLocalDay(ms);
  const today = startOfLocalDay(now);
  if (day === today) return t('chat.today');
  const yesterday = startOfLocalDay(new Date(today).setDate(new Date(today).getDate() - 1));
  if (day === yesterday) return t('chat.yesterday');
  const sameYear = new Date(day).getFullYear() === new Date(today).getFullYear();
  const withinWeek = day < today && today - day < 6.5 * 24 * 3600 * 1000;
  const options: Intl.DateTimeFormatOptions = withinWeek
    ? { weekday: 'long', month: 'long', day: 'numeric' }
    : sameYear
      ? { month: 'long', day: 'numeric' }
      : { year: 'numeric', month: 'long', day: 'numeric' };
  return new Intl.DateTimeFormat(loc, options).format(day);
}

const collators = new Map<Locale, Intl.Collator>();

/** Compares display names the way people of the active locale expect (pinyin order for zh-CN,
 *  stroke order for zh-TW). */
export function collator(loc: Locale = localeState.current): Intl.Collator {
  let c = collators.get(loc);
  if (!c) {
    c = new Intl.Collator(loc, { sensitivity: 'base', numeric: true });
    collators.set(loc, c);
  }
  return c;
}
