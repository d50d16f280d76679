/**
 * Single flight for the outbox: the window(s) and the service worker must never send the same
 * entry at the same time. Two layers:
 *
 * 1. The Web Locks API (`navigator.locks`, in windows and workers of one origin) where the
 *    browser has it: held for the whole run, released by the browser if the context dies.
 * 2. Always, a lease record in IndexedDB (meta 'lease': owner + expiry), taken in a readwrite
 *    transaction (IndexedDB serialises those), renewed before each request, released at the end.
 *    It covers browsers without Web Locks (older Safari, some WebViews) and a lease left by a
 *    killed context simply expires.
 */
import { transact } from './db';

export const LOCK_NAME = 'fieldcert-outbox';
/**
 * Longer than the longest request (api.ts caps upload time limits at 9 min), so a live run never
 * loses it. Where Web Locks exist, holding the lock overrides a lease left by a dead context, so
 * this long expiry only delays browsers without them.
 */
export const LEASE_MS = 10 * 60_000;

export function newOwnerId(): string {
  return `${typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : Math.random().toString(36).slice(2)}`;
}

/**
 * Take the lease if it is free, expired or already ours (or `override`: we hold the Web Lock, so
 * any other lease is a dead context's); false if someone else holds it.
 */
export async function acquireLease(owner: string, now: number = Date.now(), override = false): Promise<boolean> {
  return transact(['meta'], 'readwrite', async (tx) => {
    const lease = await tx.meta('lease');
    if (!override && lease !== undefined && lease.owner !== owner && lease.expiresAt > now) return false;
    await tx.setMeta('lease', { owner, expiresAt: now + LEASE_MS });
    return true;
  });
}

/** Extend our lease; false if it was taken over (expired and another context took it). */
export async function renewLease(owner: string, now: number = Date.now()): Promise<boolean> {
  return transact(['meta'], 'readwrite', async (tx) => {
    const lease = await tx.meta('lease');
    if (lease !== undefined && lease.owner !== owner && lease.expiresAt > now) return false;
    await tx.setMeta('lease', { owner, expiresAt: now + LEASE_MS });
    return true;
  });
}

export async function releaseLease(owner: string): Promise<void> {
  await transact(['meta'], 'readwrite', async (tx) => {
    const lease = await tx.meta('lease');
    if (lease !== undefined && lease.owner === owner) await tx.deleteMeta('lease');
  });
}

interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>;
}

function lockManager(): LockManagerLike | null {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return nav?.locks && typeof nav.locks.request === 'function' ? nav.locks : null;
}

/**
 * Run `work` holding both the Web Lock (where available) and the lease; resolve `{ran: false}`
 * at once when another context is running (it will send everything; nothing is lost by
 * skipping: the entries stay in the outbox).
 */
export async function withOutboxLock<T>(
  owner: string,
  work: () => Promise<T>,
): Promise<{ ran: true; result: T } | { ran: false }> {
  const run = async (override: boolean): Promise<{ ran: true; result: T } | { ran: false }> => {
    if (!(await acquireLease(owner, Date.now(), override))) return { ran: false };
    try {
      return { ran: true, result: await work() };
    } finally {
      await releaseLease(owner).catch(() => undefined);
    }
  };
  const locks = lockManager();
  if (locks === null) return run(false);
  let outcome: { ran: true; result: T } | { ran: false } = { ran: false };
  await locks.request(LOCK_NAME, { ifAvailable: true }, async (lock) => {
    if (lock === null) return;
    // Every context of this browser takes the Web Lock first: a lease still in the store
    // belongs to a context that died (a killed tab or worker) and must not block us.
    outcome = await run(true);
  });
  return outcome;
}
