// User preferences: language and theme. Applied at once, saved through the shell.
import * as ipc from '$lib/ipc/commands';
import type { ErrorInfo, Settings, ThemeSetting } from '$lib/ipc/types';
import { resolveLocale, setLocale } from '../../i18n';

/** Forces light or dark through <html data-theme>, or follows the OS when "system". */
export function applyTheme(theme: ThemeSetting): void {
  const root = document.documentElement;
  if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
  else delete root.dataset.theme;
}

export class SettingsStore {
  settings: Settings = $state({ language: 'auto', theme: 'system' });
  /** The OS locale the shell reported, used when language is "auto". */
  osLocale: string | null = $state(null);
  saving = $state(false);
  error: ErrorInfo | null = $state(null);
  private requests = 0;

  /** Takes settings loaded at start-up and applies them without saving. */
  init(settings: Settings, osLocale: string | null): void {
    this.settings = { ...settings };
    this.osLocale = osLocale;
    this.apply();
  }

  apply(): void {
    setLocale(resolveLocale(this.settings.language, this.osLocale));
    applyTheme(this.settings.theme);
  }

  /** Changes some settings: the UI follows immediately, then the shell saves them. */
  async update(patch: Partial<Settings>): Promise<void> {
    const request = ++this.requests;
    this.settings = { ...this.settings, ...patch };
    this.apply();
    this.saving = true;
    this.error = null;
    try {
      const saved = await ipc.setSettings({ ...this.settings });
      // A later change may have been made while this one was saved; it wins.
      if (saved && request === this.requests) {
        this.settings = { ...saved };
        this.apply();
      }
    } catch (e) {
      this.error = e as ErrorInfo;
    } finally {
      if (request === this.requests) this.saving = false;
    }
  }
}

export const settingsStore = new SettingsStore();
