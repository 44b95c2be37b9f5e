// Splits a conversation into local calendar days and runs of messages from the same side.
import { startOfLocalDay } from '../../i18n';
import type { Message } from '$lib/ipc/types';

export type MessageItem = { key: string; message: Message; first: boolean; last: boolean };
/** One local calendar day of messages; `day` is its local midnight. */
export type DayGroup = { key: string; day: number; items: MessageItem[] };

/** Messages from one side less than this far apart are drawn as one group. */
export const GROUP_GAP_MS = 5 * 60 * 1000;

/** Local-time day identifier, e.g. "2024-3-9". */
export function localDayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/**
 * Groups messages (oldest first) by the local day they were sent, and marks the first and last
 * message of each run from the same side (for bubble shapes and spacing). A run never crosses
 * midnight.
 */
export function groupByDay(messages: readonly Message[]): DayGroup[] {
  const groups: DayGroup[] = [];
  let group: DayGroup | null = null;
  let previous: MessageItem | null = null;
  for (const message of messages) {
    const dayKey = localDayKey(message.sentAt);
    if (!group || group.key !== dayKey) {
      group = { key: dayKey, day: startOfLocalDay(message.sentAt), items: [] };
      groups.push(group);
      previous = null;
    }
    const continues =
      previous !== null &&
      previous.message.direction === message.direction &&
      message.sentAt - previous.message.sentAt < GROUP_GAP_MS;
    if (previous) previous.last = !continues;
    const item: MessageItem = { key: `m-${message.id}`, message, first: !continues, last: true };
    group.items.push(item);
    previous = item;
  }
  return groups;
}
