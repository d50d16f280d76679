/**
 * "The outbox or a draft changed": told to listeners in this context and, through a
 * BroadcastChannel, to the other tabs and the service worker, so every sync indicator follows
 * the one store. Worker-safe.
 */
const CHANNEL = 'fieldcert-sync';

export type ChangeMessage = { type: 'changed'; reason: string };

const listeners = new Set<(m: ChangeMessage) => void>();
let channel: BroadcastChannel | null | undefined;

function getChannel(): BroadcastChannel | null {
  if (channel === undefined) {
    channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
    if (channel !== null) {
      channel.onmessage = (event: MessageEvent<unknown>) => {
        const data = event.data as Partial<ChangeMessage> | null;
        if (data && data.type === 'changed') deliver({ type: 'changed', reason: String(data.reason ?? '') });
      };
    }
  }
  return channel;
}

function deliver(m: ChangeMessage): void {
  for (const listener of [...listeners]) {
    try {
      listener(m);
    } catch (error) {
      console.error('[sync] listener failed', error);
    }
  }
}

/** Announce a change here and in every other context of this origin. */
export function announceChange(reason: string): void {
  const m: ChangeMessage = { type: 'changed', reason };
  deliver(m);
  try {
    getChannel()?.postMessage(m);
  } catch {
    // A closed channel (the context is going away): the local listeners heard it.
  }
}

export function onChange(listener: (m: ChangeMessage) => void): () => void {
  getChannel();
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Close the channel (tests: an open BroadcastChannel keeps Node running). */
export function closeChangeChannel(): void {
  channel?.close();
  channel = undefined;
  listeners.clear();
}
