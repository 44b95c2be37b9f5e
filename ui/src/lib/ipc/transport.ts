// Chooses how commands and events travel: Tauri IPC inside the desktop shell, or the in-memory
// preview backend (mock.ts) when the UI runs in a plain browser tab without the shell.
import { invoke as tauriInvoke } from '@tauri-apps/api/core';
import { listen as tauriListen } from '@tauri-apps/api/event';
import type { CommandArgs, CommandName, CommandResult, EventMap, EventName } from './types';

export type Unlisten = () => void;

/** What a backend offers the UI: one request/response call and one event subscription. */
export interface Backend {
  invoke<C extends CommandName>(command: C, args: CommandArgs<C>): Promise<CommandResult<C>>;
  listen<E extends EventName>(event: E, handler: (payload: EventMap[E]) => void): Promise<Unlisten>;
}

export function insideShell(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

const tauriBackend: Backend = {
  invoke(command, args) {
    return tauriInvoke(command, args ?? {});
  },
  async listen(event, handler) {
    const unlisten = await tauriListen<EventMap[typeof event]>(event, (e) => handler(e.payload));
    return unlisten;
  },
};

let preview: Promise<Backend> | null = null;

function previewBackend(): Promise<Backend> {
  // Loaded on demand so the desktop bundle never executes it.
  preview ??= import('./mock').then((m) => m.createMockBackend());
  return preview;
}

export async function backend(): Promise<Backend> {
  return insideShell() ? tauriBackend : previewBackend();
}
