import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Contact } from '$lib/ipc/types';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  addContact: vi.fn(),
}));

import * as ipc from '$lib/ipc/commands';
import { setLocale } from '../../i18n';
import AddContactDialog from './AddContactDialog.svelte';

const ME = 'me@example.org';

const contact = (jid: string, name: string | null, extra: Partial<Contact> = {}): Contact => ({
  jid,
  name,
  groups: [],
  subscription: 'both',
  askPending: false,
  inRoster: true,
  show: 'online',
  status: null,
  resources: [],
  ...extra,
});

function setup(contacts: Contact[] = []) {
  const onClose = vi.fn();
  render(AddContactDialog, {
    account: ME,
    contacts: Object.fromEntries(contacts.map((c) => [c.jid, c])),
    onClose,
  });
  return { onClose };
}

const el = (id: string) => screen.getByTestId(id) as HTMLInputElement;
const hint = () => document.getElementById('add-contact-jid-hint');

async function type(id: string, value: string) {
  await fireEvent.input(el(id), { target: { value } });
}

describe('AddContactDialog', () => {
  beforeEach(() => {
    setLocale('en');
    vi.mocked(ipc.addContact).mockReset();
  });

  it('is a labelled dialog with the address field focused', () => {
    setup();
    expect(screen.getByRole('dialog', { name: 'Add a contact' })).toBeInTheDocument();
    expect(el('add-contact-jid')).toHaveFocus();
  });

  it('validates the address as it is typed, not before', async () => {
    setup([contact('bob@example.org', 'Bob'), contact('pending@example.org', null, { subscription: 'none', askPending: true })]);
    expect(hint()).toBeNull();

    await type('add-contact-jid', 'bob');
    expect(hint()).toHaveTextContent('An address looks like name@example.org.');
    expect(el('add-contact-jid')).toHaveAttribute('aria-invalid', 'false');
    await type('add-contact-jid', '@example.org');
    expect(hint()).toHaveTextContent('Add the name before the @.');
    await type('add-contact-jid', 'bo b@example.org');
    expect(hint()).toHaveTextContent('An address cannot contain spaces.');
    await type('add-contact-jid', 'bob@example.org/phone');
    expect(hint()).toHaveTextContent('Leave out the part after the /.');

    await type('add-contact-jid', ' ME@example.org ');
    expect(hint()).toHaveTextContent('That is your own address.');
    expect(el('add-contact-jid')).toHaveAttribute('aria-invalid', 'true');
    await type('add-contact-jid', 'bob@example.org');
    expect(hint()).toHaveTextContent('Bob is already in your contacts.');

    // Someone who has not let us in yet can be asked again.
    await type('add-contact-jid', 'pending@example.org');
    expect(hint()).toBeNull();
    await type('add-contact-jid', 'carol@example.org');
    expect(hint()).toBeNull();
  });

  it('does not call the backend while the address is wrong, and says so as an error', async () => {
    const { onClose } = setup();
    await fireEvent.click(el('add-contact-submit'));
    expect(ipc.addContact).not.toHaveBeenCalled();
    expect(hint()).toHaveTextContent('Enter their address, for example name@example.org.');
    expect(el('add-contact-jid')).toHaveAttribute('aria-invalid', 'true');
    await type('add-contact-jid', 'carol@');
    await fireEvent.submit(el('add-contact-jid').form as HTMLFormElement);
    expect(ipc.addContact).not.toHaveBeenCalled();
    expect(hint()).toHaveTextContent('Add the server after the @.');
    expect(onClose).not.toHaveBeenCalled();
  });

  it('adds the trimmed address with no name when the name is left empty, then closes', async () => {
    let done: () => void = () => {};
    vi.mocked(ipc.addContact).mockReturnValue(new Promise<void>((r) => (done = r)));
    const { onClose } = setup();
    await type('add-contact-jid', '  carol@example.org \t');
    await type('add-contact-name', '   ');
    await fireEvent.click(el('add-contact-submit'));
    expect(ipc.addContact).toHaveBeenCalledWith(ME, 'carol@example.org', null);
    expect(el('add-contact-submit')).toHaveTextContent('Adding…');
    expect(el('add-contact-submit')).toBeDisabled();
    expect(el('add-contact-jid')).toBeDisabled();
    expect(onClose).not.toHaveBeenCalled();
    done();
    await waitFor(() => expect(onClose).toHaveBeenCalledOnce());
  });

  it('passes a trimmed name, and takes the address out of a pasted xmpp: link', async () => {
    vi.mocked(ipc.addContact).mockResolvedValue(undefined);
    setup();
    await type('add-contact-jid', 'xmpp:dave@example.org?message');
    await type('add-contact-name', '  Dave 戴夫 ');
    await fireEvent.click(el('add-contact-submit'));
    expect(ipc.addContact).toHaveBeenCalledWith(ME, 'dave@example.org', 'Dave 戴夫');
  });

  it('shows a failure in words, in the active language, and stays open', async () => {
    vi.mocked(ipc.addContact).mockRejectedValue({ code: 'not_connected', message: 'session task gone' });
    const { onClose } = setup();
    await type('add-contact-jid', 'carol@example.org');
    await fireEvent.click(el('add-contact-submit'));
    const error = await screen.findByTestId('add-contact-error');
    expect(error).toHaveTextContent('You are not connected right now.');
    expect(error).not.toHaveTextContent('session task gone');
    expect(onClose).not.toHaveBeenCalled();
    expect(el('add-contact-submit')).toBeEnabled();

    setLocale('zh-CN');
    await waitFor(() => expect(screen.getByTestId('add-contact-error')).toHaveTextContent('当前未连接。'));
    expect(el('add-contact-submit')).toHaveTextContent('添加');

    // Typing again clears the old error.
    await type('add-contact-jid', 'carol@example.org ');
    expect(screen.queryByTestId('add-contact-error')).toBeNull();
  });

  it('explains an address the server refuses (invalid_input) instead of repeating its English', async () => {
    vi.mocked(ipc.addContact).mockRejectedValue({ code: 'invalid_input', message: 'that is your own address' });
    setup();
    await type('add-contact-jid', 'alias@example.org');
    await fireEvent.click(el('add-contact-submit'));
    const error = await screen.findByTestId('add-contact-error');
    expect(error).toHaveTextContent('This address cannot be added. Check that it is someone else’s address.');
    expect(error).not.toHaveTextContent('that is your own address');
  });

  it('closes with Cancel and with Escape without adding anyone', async () => {
    const { onClose } = setup();
    await type('add-contact-jid', 'carol@example.org');
    await fireEvent.click(el('add-contact-cancel'));
    expect(onClose).toHaveBeenCalledTimes(1);
    await fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(2);
    expect(ipc.addContact).not.toHaveBeenCalled();
  });
});
