// Subscriptions to events the shell emits. Each returns a function that stops listening.
import { backend, type Unlisten } from './transport';
import type {
  ConnectionEvent,
  EventMap,
  EventName,
  MessageUpdatedEvent,
  MessagesEvent,
  OpenConversationEvent,
  RosterEvent,
  SubscriptionRequestEvent,
} from './types';

export type { Unlisten };

async function on<E extends EventName>(event: E, handler: (payload: EventMap[E]) => void): Promise<Unlisten> {
  const b = await backend();
  return b.listen(event, handler);
}

export const onConnection = (h: (e: ConnectionEvent) => void): Promise<Unlisten> => on('connection', h);
export const onRoster = (h: (e: RosterEvent) => void): Promise<Unlisten> => on('roster', h);
export const onMessages = (h: (e: MessagesEvent) => void): Promise<Unlisten> => on('messages', h);
export const onMessageUpdated = (h: (e: MessageUpdatedEvent) => void): Promise<Unlisten> =>
  on('message-updated', h);
export const onSubscriptionRequest = (h: (e: SubscriptionRequestEvent) => void): Promise<Unlisten> =>
  on('subscription-request', h);
export const onOpenConversation = (h: (e: OpenConversationEvent) => void): Promise<Unlisten> =>
  on('open-conversation', h);
