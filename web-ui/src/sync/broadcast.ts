// Keeps open tabs in step: a tab that changes something tells the others, which refresh what it affects.
// BroadcastChannel where the browser has it; the storage event as a fallback.

export type SyncMessage =
  | { type: 'workspace'; workspaceId: string | null }
  | { type: 'workspaces' }
  | { type: 'token' }
  | { type: 'tasks'; taskId?: string }
  | { type: 'automations' }
  | { type: 'repositories' };

const CHANNEL = 'agentCenter.sync';
const FALLBACK_KEY = 'agentCenter.syncPing';
type Listener = (message: SyncMessage) => void;

const listeners = new Set<Listener>();
let channel: BroadcastChannel | null = null;
let wired = false;

function wire(): void {
  if (wired) return;
  wired = true;
  if (typeof BroadcastChannel !== 'undefined') {
    channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = (event: MessageEvent<SyncMessage>) => listeners.forEach((l) => l(event.data));
  } else if (typeof window !== 'undefined') {
    window.addEventListener('storage', (event) => {
      if (event.key !== FALLBACK_KEY || !event.newValue) return;
      try {
        const message = (JSON.parse(event.newValue) as { message: SyncMessage }).message;
        listeners.forEach((l) => l(message));
      } catch {
        // a foreign value under our key: ignore
      }
    });
  }
}

/** Tells the other tabs (not this one). */
export function broadcast(message: SyncMessage): void {
  wire();
  if (channel) {
    channel.postMessage(message);
    return;
  }
  try {
    localStorage.setItem(FALLBACK_KEY, JSON.stringify({ at: Date.now(), message }));
  } catch {
    // no storage: tabs stay in step through the server's own feed
  }
}

/** Listens to what other tabs say. */
export function onBroadcast(listener: Listener): () => void {
  wire();
  listeners.add(listener);
  return () => listeners.delete(listener);
}
