import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setLocale } from '../../i18n';
import type { BuddyEntry } from '../roster/sort';
import { loadPinyin } from './pinyin.svelte';
import QuickSwitcher from './QuickSwitcher.svelte';

const entry = (jid: string, name: string | null, extra: Partial<BuddyEntry> = {}): BuddyEntry => ({
  jid,
  name,
  show: 'online',
  status: null,
  inRoster: true,
  askPending: false,
  unread: 0,
  lastAt: null,
  ...extra,
});

const ENTRIES = [
  entry('zhang.san@example.cn', '张三'),
  entry('li.bai@tang.example', '李白', { lastAt: 3_000 }),
  entry('du.fu@tang.example', '杜甫', { lastAt: 5_000, unread: 2 }),
  entry('alice@wonderland.example', 'Alice Liddell', { lastAt: 4_000 }),
  entry('bob@builder.example', 'Bob'),
  entry('zeng@example.cn', '曾国藩'),
];

function setup(props: Partial<{ current: string | null; opened: Map<string, number> }> = {}) {
  const onPick = vi.fn();
  const onClose = vi.fn();
  render(QuickSwitcher, { entries: ENTRIES, onPick, onClose, ...props });
  const input = screen.getByRole('combobox');
  return { onPick, onClose, input };
}

const listed = () => screen.getAllByTestId('switcher-item').map((i) => i.dataset.jid);
const activeJid = () => screen.getByRole('option', { selected: true }).dataset.jid;

async function type(input: HTMLElement, value: string) {
  await fireEvent.input(input, { target: { value } });
}

describe('QuickSwitcher', () => {
  beforeAll(() => loadPinyin());
  beforeEach(() => setLocale('en'));

  it('opens with the keyboard in its search field and recent conversations first, the open one last of them', () => {
    const { input } = setup({ current: 'du.fu@tang.example', opened: new Map([['bob@builder.example', 4_500]]) });
    expect(input).toHaveFocus();
    expect(input).toHaveAccessibleName('Go to a chat');
    expect(screen.getByRole('dialog')).toHaveAccessibleName('Go to a chat');
    expect(listed()).toEqual([
      'bob@builder.example',
      'alice@wonderland.example',
      'li.bai@tang.example',
      'du.fu@tang.example',
      // Then everyone else, by name.
      'zhang.san@example.cn',
      'zeng@example.cn',
    ]);
    expect(screen.getByText('Recent')).toBeInTheDocument();
    expect(screen.getByText('Contacts')).toBeInTheDocument();
    expect(activeJid()).toBe('bob@builder.example');
    expect(input).toHaveAttribute('aria-activedescendant', screen.getByRole('option', { selected: true }).id);
  });

  it('goes back to the previous chat with Enter alone', async () => {
    const { input, onPick } = setup({ current: 'du.fu@tang.example' });
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(onPick).toHaveBeenCalledWith('alice@wonderland.example');
  });

  it.each([
    ['zs', 'zhang.san@example.cn', '张三'],
    ['lb', 'li.bai@tang.example', '李白'],
    ['libai', 'li.bai@tang.example', '李白'],
    ['zgf', 'zeng@example.cn', '曾国藩'],
    ['ali', 'alice@wonderland.example', 'Ali'],
    ['wonder', 'alice@wonderland.example', ''],
  ])('finds “%s”: %s first', async (query, jid, highlighted) => {
    const { input } = setup();
    await type(input, query);
    expect(listed()[0]).toBe(jid);
    expect(activeJid()).toBe(jid);
    const first = screen.getAllByTestId('switcher-item')[0] as HTMLElement;
    const marks = [...first.querySelectorAll('[data-testid="switcher-name"] mark')].map((m) => m.textContent).join('');
    expect(marks).toBe(highlighted);
  });

  it('moves with the arrows (round the ends), opens with Enter, and closes with Escape', async () => {
    const { input, onPick, onClose } = setup();
    await type(input, 'a');
    const order = listed();
    expect(order.length).toBeGreaterThan(1);
    expect(activeJid()).toBe(order[0]);
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(activeJid()).toBe(order[1]);
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(activeJid()).toBe(order[order.length - 1]);
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(onPick).toHaveBeenCalledWith(order[order.length - 1]);
    await fireEvent.keyDown(input, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('opens a row on click, and says so when nobody matches', async () => {
    const { input, onPick } = setup();
    await type(input, 'qqqq');
    expect(screen.queryAllByTestId('switcher-item')).toHaveLength(0);
    expect(screen.getByTestId('switcher-none')).toHaveTextContent('Nobody matches “qqqq”');
    await type(input, 'bob');
    await fireEvent.click(screen.getByRole('option', { name: /Bob/ }));
    expect(onPick).toHaveBeenCalledWith('bob@builder.example');
  });

  it('shows and says presence and unread messages', async () => {
    const { input } = setup();
    await type(input, 'df');
    const row = screen.getByRole('option', { name: '杜甫 du.fu@tang.example Available 2 unread' });
    expect(row.querySelector('[data-testid="presence-dot"]')).toHaveAttribute('data-show', 'online');
    expect(row).toHaveTextContent('2');
  });

  it('leaves Enter to an input method that is composing', async () => {
    const { input, onPick } = setup();
    await fireEvent.keyDown(input, { key: 'Enter', isComposing: true });
    expect(onPick).not.toHaveBeenCalled();
  });

  it('renders names as text, never as markup', async () => {
    const onPick = vi.fn();
    render(QuickSwitcher, {
      entries: [entry('x@example.org', '<img src=x onerror=alert(1)>')],
      onPick,
      onClose: () => {},
    });
    await type(screen.getByRole('combobox'), 'img');
    expect(document.querySelector('img')).toBeNull();
    expect(screen.getByTestId('switcher-name').textContent).toBe('<img src=x onerror=alert(1)>');
  });

  it('speaks Traditional Chinese', async () => {
    setLocale('zh-TW');
    setup();
    expect(screen.getByRole('combobox', { name: '前往聊天' })).toHaveAttribute('placeholder', '名稱、地址或拼音');
    await waitFor(() => expect(screen.getByText('最近')).toBeInTheDocument());
  });
});
