import { fireEvent, render } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import Linkified from './Linkified.svelte';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  openLink: vi.fn(() => Promise.resolve()),
}));

import { openLink } from '$lib/ipc/commands';
import { setXmppLinkHandler } from '$lib/links';

describe('Linkified', () => {
  beforeEach(() => vi.mocked(openLink).mockClear());

  it('renders markup in a message as literal text, creating no elements', () => {
    const body = '<img src=x onerror=alert(1)><script>alert(2)</script><b>bold</b>';
    const { container } = render(Linkified, { text: body });
    expect(container.textContent).toBe(body);
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    expect(container.querySelectorAll('*')).toHaveLength(0);
  });

  it('keeps newlines and spaces as they are', () => {
    const body = 'line one\n\n  indented\tand tabbed';
    const { container } = render(Linkified, { text: body });
    expect(container.textContent).toBe(body);
  });

  it('turns links into anchors that open through the shell, not the webview', async () => {
    const { container } = render(Linkified, { text: 'read https://example.org/doc and xmpp:bob@example.org' });
    const anchors = container.querySelectorAll('a');
    expect(anchors).toHaveLength(2);
    expect(anchors[0]?.getAttribute('href')).toBe('https://example.org/doc');
    expect(anchors[0]?.textContent).toBe('https://example.org/doc');
    const click = new MouseEvent('click', { bubbles: true, cancelable: true });
    anchors[0]?.dispatchEvent(click);
    expect(click.defaultPrevented).toBe(true);
    expect(openLink).toHaveBeenCalledWith('https://example.org/doc');
    // xmpp: links stay in the app: the signed-in window's handler gets the parsed address.
    const handler = vi.fn();
    setXmppLinkHandler(handler);
    await fireEvent.click(anchors[1] as HTMLAnchorElement);
    setXmppLinkHandler(null);
    expect(handler).toHaveBeenCalledWith({ jid: 'bob@example.org', action: null, body: null });
    expect(openLink).toHaveBeenCalledTimes(1);
  });

  it('does not link a javascript: URL hidden in text', () => {
    const { container } = render(Linkified, { text: 'javascript:alert(1)' });
    expect(container.querySelector('a')).toBeNull();
    expect(container.textContent).toBe('javascript:alert(1)');
  });
});
