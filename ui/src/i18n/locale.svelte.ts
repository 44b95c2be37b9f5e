// The active locale as reactive state: anything rendered through t() re-renders when it changes.
export type Locale = 'en' | 'zh-CN' | 'zh-TW';

export const localeState: { current: Locale } = $state({ current: 'en' });
