import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { prefersReducedMotion, scrollBehavior } from './motion';

function stubMotion(reduce: boolean) {
  vi.stubGlobal('matchMedia', (query: string) => ({
    matches: reduce && query.includes('prefers-reduced-motion: reduce'),
    media: query,
    addEventListener: () => {},
    removeEventListener: () => {},
  }));
}

describe('reduced motion', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('scrolls smoothly only when the OS does not ask for less motion', () => {
    stubMotion(false);
    expect(prefersReducedMotion()).toBe(false);
    expect(scrollBehavior()).toBe('smooth');
    stubMotion(true);
    expect(prefersReducedMotion()).toBe(true);
    expect(scrollBehavior()).toBe('auto');
  });

  it('turns every animation and transition off in the global styles, and leaves spinners turning', () => {
    const css = readFileSync(resolve(__dirname, '../../app.css'), 'utf8');
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    const media = [...sheet.cssRules].filter(
      (r): r is CSSMediaRule => r instanceof CSSMediaRule && r.conditionText.includes('prefers-reduced-motion: reduce'),
    );
    expect(media).toHaveLength(1);
    const rules = [...(media[0] as CSSMediaRule).cssRules] as CSSStyleRule[];
    const all = rules.find((r) => r.selectorText.split(',').map((s) => s.trim()).includes('*'));
    expect(all).toBeDefined();
    const style = (all as CSSStyleRule).style;
    for (const property of ['animation-duration', 'transition-duration']) {
      expect(style.getPropertyValue(property), property).toBe('0.01ms');
    }
    expect(style.getPropertyValue('animation-iteration-count')).toBe('1');
    // It has to beat the components' own rules (jsdom's CSSOM keeps no priorities: read the source).
    const block = css.slice(css.indexOf('@media (prefers-reduced-motion: reduce)'));
    expect(block).toMatch(/animation-duration: 0\.01ms !important/);
    expect(block).toMatch(/transition-duration: 0\.01ms !important/);
    expect(style.getPropertyValue('scroll-behavior')).toBe('auto');
    const spinner = rules.find((r) => r.selectorText === '.spinner');
    expect(spinner?.style.getPropertyValue('animation-iteration-count')).toBe('infinite');
  });
});
