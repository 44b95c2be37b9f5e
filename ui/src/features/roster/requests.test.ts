import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Contact } from '$lib/ipc/types';

vi.mock('$lib/ipc/commands', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/ipc/commands')>()),
  answerSubscription: vi.fn(),
}));

import * as ipc from '$lib/ipc/commands';
import { SubscriptionRequests } from './requests.svelte';

const ME = 'me@example.org';
const jids = (r: SubscriptionRequests) => r.list.map((x) => x.jid);

const contact = (jid: string, subscription: Contact['subscription']): Contact => ({
  jid,
  name: null,
  groups: [],
  subscription,
  askPending: false,
  inRoster: true,
  show: 'offline',
  status: null,
  resources: [],
});

describe('SubscriptionRequests', () => {
  let requests: SubscriptionRequests;
  beforeEach(() => {
    vi.mocked(ipc.answerSubscription).mockReset();
    requests = new SubscriptionRequests();
    requests.reset(ME);
  });

  it('keeps one request per address, in arrival order, for this account only', () => {
    requests.add({ account: ME, jid: 'b@example.org' });
    requests.add({ account: ME, jid: 'a@example.org' });
    requests.add({ account: ME, jid: ' b@example.org ' });
    requests.add({ account: 'other@example.org', jid: 'c@example.org' });
    expect(jids(requests)).toEqual(['b@example.org', 'a@example.org']);
    requests.reset('other@example.org');
    expect(jids(requests)).toEqual([]);
  });

  it('removes a request once the answer went out, and keeps it with the error when it did not', async () => {
    requests.add({ account: ME, jid: 'a@example.org' });
    requests.add({ account: ME, jid: 'b@example.org' });

    vi.mocked(ipc.answerSubscription).mockRejectedValueOnce({ code: 'not_connected', message: 'x' });
    expect(await requests.answer('a@example.org', true)).toBe(false);
    expect(ipc.answerSubscription).toHaveBeenCalledWith(ME, 'a@example.org', true);
    expect(requests.list[0]).toMatchObject({ jid: 'a@example.org', busy: null, error: { code: 'not_connected' } });

    vi.mocked(ipc.answerSubscription).mockResolvedValue(undefined);
    expect(await requests.answer('a@example.org', true)).toBe(true);
    expect(await requests.answer('b@example.org', false)).toBe(true);
    expect(ipc.answerSubscription).toHaveBeenLastCalledWith(ME, 'b@example.org', false);
    expect(jids(requests)).toEqual([]);
  });

  it('sends one answer at a time per request', async () => {
    let done: () => void = () => {};
    vi.mocked(ipc.answerSubscription).mockReturnValue(new Promise<void>((r) => (done = r)));
    requests.add({ account: ME, jid: 'a@example.org' });
    const first = requests.answer('a@example.org', true);
    expect(requests.list[0]?.busy).toBe('accept');
    expect(await requests.answer('a@example.org', false)).toBe(false);
    done();
    expect(await first).toBe(true);
    expect(ipc.answerSubscription).toHaveBeenCalledTimes(1);
  });

  it('drops requests from people a roster push shows as already allowed in', () => {
    requests.add({ account: ME, jid: 'a@example.org' });
    requests.add({ account: ME, jid: 'b@example.org' });
    requests.add({ account: ME, jid: 'c@example.org' });
    requests.settle([contact('a@example.org', 'from'), contact('b@example.org', 'to'), contact('c@example.org', 'both')]);
    expect(jids(requests)).toEqual(['b@example.org']);
  });
});
