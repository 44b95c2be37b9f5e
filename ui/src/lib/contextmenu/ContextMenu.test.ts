import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setLocale } from '../../i18n';
import ContextMenu from './ContextMenu.svelte';
import { placeMenu } from './plan';

const clipboard = { readText: vi.fn(), writeText: vi.fn() };

function field(html: string): HTMLInputElement {
  const host = document.createElement('div');
  host.innerHTML = html;
  document.body.appendChild(host);
  return host.firstElementChild as HTMLInputElement;
}

/** Right-clicks `el`; returns whether the webview's own menu was allowed. */
async function rightClick(el: Element, init: MouseEventInit = {}): Promise<boolean> {
  const event = new MouseEvent('contextmenu', { bubbles: true, cancelable: true, clientX: 40, clientY: 50, ...init });
  el.dispatchEvent(event);
  await new Promise((r) => setTimeout(r, 0));
  return !event.defaultPrevented;
}

const menu = () => screen.queryByRole('menu');
const item = (name: string) => within(screen.getByRole('menu')).getByRole('menuitem', { name: new RegExp(`^${name}`) });

describe('context menu', () => {
  beforeEach(() => {
    setLocale('en');
    clipboard.readText.mockReset();
    clipboard.writeText.mockReset();
    clipboard.writeText.mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: clipboard, configurable: true });
  });
  afterEach(() => {
    document.body.innerHTML = '';
    window.getSelection()?.removeAllRanges();
  });

  it('shows no browser menu in a release build where there is nothing to do', async () => {
    render(ContextMenu, { dev: false });
    const plain = document.createElement('div');
    plain.textContent = 'some chrome';
    document.body.appendChild(plain);
    expect(await rightClick(plain)).toBe(false);
    expect(menu()).toBeNull();
  });

  it('keeps the webview menu in a development build, and on Shift even over a field', async () => {
    render(ContextMenu, { dev: true });
    const plain = document.createElement('div');
    document.body.appendChild(plain);
    expect(await rightClick(plain)).toBe(true);
    const input = field('<input type="text" value="abc">');
    expect(await rightClick(input, { shiftKey: true })).toBe(true);
    expect(menu()).toBeNull();
    expect(await rightClick(input)).toBe(false);
    expect(menu()).not.toBeNull();
  });

  it('offers Cut, Copy, Paste and Select all in a text field, and copies the selection', async () => {
    render(ContextMenu, { dev: false });
    const input = field('<input type="text" value="hello world">');
    input.focus();
    input.setSelectionRange(0, 5);
    expect(await rightClick(input)).toBe(false);
    const items = within(screen.getByRole('menu', { name: 'Context menu' })).getAllByRole('menuitem');
    expect(items.map((i) => i.querySelector('span')?.textContent)).toEqual(['Cut', 'Copy', 'Paste', 'Select all']);
    expect(items.every((i) => !(i as HTMLButtonElement).disabled)).toBe(true);
    await fireEvent.click(item('Copy'));
    expect(clipboard.writeText).toHaveBeenCalledWith('hello');
    expect(menu()).toBeNull();
    expect(input.value).toBe('hello world');
  });

  it('cuts the selection out of the field', async () => {
    render(ContextMenu, { dev: false });
    const input = field('<input type="text" value="hello world">');
    const typed = vi.fn();
    input.addEventListener('input', typed);
    input.focus();
    input.setSelectionRange(5, 11);
    await rightClick(input);
    await fireEvent.click(item('Cut'));
    await new Promise((r) => setTimeout(r, 0));
    expect(clipboard.writeText).toHaveBeenCalledWith(' world');
    expect(input.value).toBe('hello');
    expect(typed).toHaveBeenCalled();
  });

  it('disables what does not apply: nothing selected, an empty field, a password', async () => {
    render(ContextMenu, { dev: false });
    const empty = field('<input type="text" value="">');
    await rightClick(empty);
    expect(item('Cut')).toBeDisabled();
    expect(item('Copy')).toBeDisabled();
    expect(item('Paste')).toBeEnabled();
    expect(item('Select all')).toBeDisabled();
    await fireEvent.keyDown(window, { key: 'Escape' });

    const secret = field('<input type="password" value="hunter2">');
    secret.focus();
    secret.setSelectionRange(0, 7);
    await rightClick(secret);
    expect(item('Cut')).toBeDisabled();
    expect(item('Copy')).toBeDisabled();
    expect(item('Select all')).toBeEnabled();
    await fireEvent.keyDown(window, { key: 'Escape' });

    const locked = field('<textarea readonly>fixed text</textarea>');
    await rightClick(locked);
    expect(item('Paste')).toBeDisabled();
  });

  it('pastes the clipboard where the selection was, as typing would', async () => {
    clipboard.readText.mockResolvedValue('there');
    render(ContextMenu, { dev: false });
    const area = field('<textarea>hi you</textarea>') as unknown as HTMLTextAreaElement;
    const typed = vi.fn();
    area.addEventListener('input', typed);
    area.focus();
    area.setSelectionRange(3, 6);
    await rightClick(area);
    await fireEvent.click(item('Paste'));
    await new Promise((r) => setTimeout(r, 0));
    expect(area.value).toBe('hi there');
    expect(typed).toHaveBeenCalled();
    expect(area).toHaveFocus();
  });

  it('selects all the text of the field', async () => {
    render(ContextMenu, { dev: false });
    const input = field('<input type="search" value="alice">');
    await rightClick(input);
    await fireEvent.click(item('Select all'));
    expect([input.selectionStart, input.selectionEnd]).toEqual([0, 5]);
  });

  it('leaves text fields to the webview menu when the clipboard cannot be read, or was refused', async () => {
    render(ContextMenu, { dev: false });
    const input = field('<input type="text" value="x">');
    Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true });
    expect(await rightClick(input)).toBe(true);
    expect(menu()).toBeNull();

    Object.defineProperty(navigator, 'clipboard', { value: clipboard, configurable: true });
    clipboard.readText.mockRejectedValue(new DOMException('denied', 'NotAllowedError'));
    expect(await rightClick(input)).toBe(false);
    await fireEvent.click(item('Paste'));
    await new Promise((r) => setTimeout(r, 0));
    expect(input.value).toBe('x');
    // Refused once: from now on the field gets the webview's own menu (its Paste works).
    expect(await rightClick(input)).toBe(true);
    expect(menu()).toBeNull();
    // Elsewhere the browser menu stays away all the same.
    const plain = document.createElement('p');
    document.body.appendChild(plain);
    expect(await rightClick(plain)).toBe(false);
  });

  it('offers Copy for selected message text, in Chinese too', async () => {
    setLocale('zh-CN');
    render(ContextMenu, { dev: false });
    const p = document.createElement('p');
    p.textContent = '举头望明月';
    document.body.appendChild(p);
    const range = document.createRange();
    range.selectNodeContents(p);
    window.getSelection()?.addRange(range);
    expect(await rightClick(p)).toBe(false);
    const items = within(screen.getByRole('menu', { name: '右键菜单' })).getAllByRole('menuitem');
    expect(items).toHaveLength(1);
    expect(items[0]).toHaveTextContent('复制');
    await fireEvent.click(items[0] as HTMLElement);
    expect(clipboard.writeText).toHaveBeenCalledWith('举头望明月');
  });

  it('keeps the selection through the release of the right button (WebKit would drop it)', async () => {
    render(ContextMenu, { dev: false });
    const p = document.createElement('p');
    p.textContent = 'keep me selected';
    document.body.appendChild(p);
    const range = document.createRange();
    range.selectNodeContents(p);
    window.getSelection()?.addRange(range);
    await fireEvent.pointerDown(p, { button: 2 });
    await rightClick(p);
    // WebKitGTK may report the release as button 0; it is the right button's all the same.
    const release = new MouseEvent('mouseup', { bubbles: true, cancelable: true, button: 0 });
    p.dispatchEvent(release);
    expect(release.defaultPrevented).toBe(true);
    expect(screen.getByRole('menu')).toBeInTheDocument();
    // A later left-button release (picking an item) is left alone.
    await fireEvent.pointerDown(item('Copy'), { button: 0 });
    const left = new MouseEvent('mouseup', { bubbles: true, cancelable: true, button: 0 });
    item('Copy').dispatchEvent(left);
    expect(left.defaultPrevented).toBe(false);
  });

  it('offers to copy a link address', async () => {
    render(ContextMenu, { dev: false });
    const a = document.createElement('a');
    a.href = 'https://example.org/doc';
    a.textContent = 'the doc';
    document.body.appendChild(a);
    await rightClick(a);
    await fireEvent.click(item('Copy link address'));
    expect(clipboard.writeText).toHaveBeenCalledWith('https://example.org/doc');
  });

  it('closes on Escape without letting it reach a dialog, and on a click outside', async () => {
    render(ContextMenu, { dev: false });
    const input = field('<input type="text" value="abc">');
    const outer = vi.fn();
    input.addEventListener('keydown', outer);
    await rightClick(input);
    await fireEvent.keyDown(input, { key: 'Escape' });
    expect(menu()).toBeNull();
    expect(outer).not.toHaveBeenCalled();
    await rightClick(input);
    await fireEvent.pointerDown(document.body);
    expect(menu()).toBeNull();
  });

  it('works from the keyboard: arrows skip disabled items, Enter runs one', async () => {
    render(ContextMenu, { dev: false });
    const input = field('<input type="text" value="abc">');
    input.focus();
    await rightClick(input);
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(item('Paste')).toHaveClass('active');
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(item('Select all')).toHaveClass('active');
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(menu()).toBeNull();
    expect([input.selectionStart, input.selectionEnd]).toEqual([0, 3]);
    // Focus never left the field.
    expect(input).toHaveFocus();
  });
});

describe('placeMenu', () => {
  const viewport = { width: 1100, height: 720 };
  const size = { width: 200, height: 150 };
  it('opens at the pointer when it fits', () => {
    expect(placeMenu(100, 100, size, viewport)).toEqual({ left: 100, top: 100 });
  });
  it('flips left and up near the right and bottom edges, staying in the window', () => {
    expect(placeMenu(1050, 700, size, viewport)).toEqual({ left: 850, top: 550 });
    expect(placeMenu(150, 700, { width: 200, height: 800 }, viewport)).toEqual({ left: 150, top: 4 });
  });
});
