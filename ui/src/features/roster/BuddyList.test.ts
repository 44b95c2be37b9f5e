import { fireEvent, render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Contact } from '$lib/ipc/types';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  roster: vi.fn(),
  conversations: vi.fn(),
}));

import * as ipc from '$lib/ipc/commands';
import { setLocale } from '../../i18n';
import BuddyList from './BuddyList.svelte';
import { RosterStore } from './store.svelte';

const ME = 'me@example.org';

const contact = (jid: string, name: string | null): Contact => ({
  jid,
  name,
  groups: [],
  subscription: 'both',
  askPending: false,
  inRoster: true,
  show: 'online',
  status: null,
  resources: [],
});

function setup(store: RosterStore) {
  const onAddContact = vi.fn();
  render(BuddyList, { store, onSelect: vi.fn(), onAddContact });
  return { onAddContact };
}

describe('BuddyList empty states', () => {
  let store: RosterStore;
  beforeEach(() => {
    setLocale('en');
    vi.mocked(ipc.roster).mockReset();
    vi.mocked(ipc.conversations).mockReset();
    vi.mocked(ipc.conversations).mockResolvedValue([]);
    store = new RosterStore();
  });

  it('shows the empty state for an account without contacts, with a way to add one', async () => {
    vi.mocked(ipc.roster).mockResolvedValue([]);
    await store.load(ME);
    const { onAddContact } = setup(store);
    const empty = screen.getByTestId('roster-empty');
    expect(empty).toHaveTextContent('No contacts yet');
    expect(empty).toHaveTextContent('Add someone with +');
    expect(screen.queryByTestId('roster-loading')).toBeNull();
    expect(screen.queryByTestId('buddy-item')).toBeNull();
    await fireEvent.click(screen.getByTestId('roster-empty-add'));
    expect(onAddContact).toHaveBeenCalledTimes(1);
  });

  it('shows the spinner, not the empty state, until the first roster arrives', async () => {
    let answer: (c: Contact[]) => void = () => {};
    vi.mocked(ipc.roster).mockReturnValue(new Promise((r) => (answer = r)));
    const loading = store.load(ME);
    setup(store);
    expect(screen.getByTestId('roster-loading')).toBeInTheDocument();
    expect(screen.queryByTestId('roster-empty')).toBeNull();

    // A full (empty) roster event ends the wait even though the command has not answered.
    store.applyRoster({ account: ME, contacts: [], replace: true });
    await Promise.resolve();
    expect(store.loading).toBe(false);
    expect(await screen.findByTestId('roster-empty')).toBeInTheDocument();
    expect(screen.queryByTestId('roster-loading')).toBeNull();

    answer([]);
    await loading;
    expect(screen.getByTestId('roster-empty')).toBeInTheDocument();
  });

  it('says nothing matches the filter instead of showing the empty state', async () => {
    vi.mocked(ipc.roster).mockResolvedValue([contact('amy@example.org', 'Amy'), contact('bob@example.org', 'Bob')]);
    await store.load(ME);
    setup(store);
    expect(screen.getAllByTestId('buddy-item')).toHaveLength(2);
    await fireEvent.input(screen.getByTestId('roster-filter'), { target: { value: '  zed ' } });
    expect(screen.getByTestId('roster-no-match')).toHaveTextContent('No matches for “zed”');
    expect(screen.queryByTestId('roster-empty')).toBeNull();
    expect(screen.queryByTestId('buddy-item')).toBeNull();

    setLocale('zh-CN');
    await Promise.resolve();
    expect(await screen.findByText('没有匹配“zed”的联系人')).toBeInTheDocument();

    await fireEvent.input(screen.getByTestId('roster-filter'), { target: { value: 'AMY' } });
    expect(screen.queryByTestId('roster-no-match')).toBeNull();
    expect(screen.getAllByTestId('buddy-item').map((b) => b.dataset.jid)).toEqual(['amy@example.org']);
  });

  it('also matches nothing with the filter when there are no contacts at all', async () => {
    vi.mocked(ipc.roster).mockResolvedValue([]);
    await store.load(ME);
    store.filter = 'x';
    setup(store);
    expect(screen.getByTestId('roster-no-match')).toBeInTheDocument();
    expect(screen.queryByTestId('roster-empty')).toBeNull();
  });
});

describe('BuddyList search after opening a chat', () => {
  let store: RosterStore;
  beforeEach(async () => {
    setLocale('en');
    vi.mocked(ipc.conversations).mockResolvedValue([]);
    vi.mocked(ipc.roster).mockResolvedValue([contact('amy@example.org', 'Amy'), contact('bob@example.org', 'Bob')]);
    store = new RosterStore();
    await store.load(ME);
  });

  it('clears the search once a chat is opened from it with a click', async () => {
    const onSelect = vi.fn();
    render(BuddyList, { store, onSelect });
    const filter = screen.getByTestId('roster-filter') as HTMLInputElement;
    await fireEvent.input(filter, { target: { value: 'bo' } });
    expect(screen.getAllByTestId('buddy-item')).toHaveLength(1);
    await fireEvent.click(screen.getByTestId('buddy-item'));
    expect(onSelect).toHaveBeenCalledWith('bob@example.org');
    expect(store.filter).toBe('');
    expect(filter.value).toBe('');
    expect(screen.getAllByTestId('buddy-item')).toHaveLength(2);
  });

  it('clears it when Enter in the search box opens the first match', async () => {
    const onSelect = vi.fn();
    render(BuddyList, { store, onSelect });
    const filter = screen.getByTestId('roster-filter');
    await fireEvent.input(filter, { target: { value: 'am' } });
    await fireEvent.keyDown(filter, { key: 'Enter' });
    expect(onSelect).toHaveBeenCalledWith('amy@example.org');
    expect(store.filter).toBe('');
  });
});
