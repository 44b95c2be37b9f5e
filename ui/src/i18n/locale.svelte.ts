// The active locale as reactive state: anything rendered through t() re-renders when it changes.
export type Locale = 'en' | 'zh-CN';

export const localeState: { current: Locale } = $state({ current: 'en' });
