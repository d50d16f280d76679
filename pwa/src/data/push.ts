/**
 * Web Push (window): after sign-in, subscribe this browser with the server's VAPID key and give
 * the subscription to the server (backend/push/routes.py). The service worker shows the
 * notifications (src/sw.ts).
 */
import { apiFetch } from './api';

/** The VAPID key (base64url) as the bytes PushManager.subscribe wants. */
export function vapidKeyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const padded = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob(padded);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i += 1) out[i] = raw.charCodeAt(i);
  return out;
}

function sameKey(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (a === null) return false;
  const x = new Uint8Array(a);
  return x.length === b.length && x.every((v, i) => v === b[i]);
}

/**
 * Ask for permission (only when not decided yet), subscribe (or reuse the subscription made
 * with the same key) and register it with the server. 'unsupported' when the browser has no
 * push (WeChat's browser, iOS outside an installed app); 'denied' when the user refused.
 */
export async function enablePush(): Promise<'granted' | 'denied' | 'unsupported'> {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator) || typeof PushManager === 'undefined' || typeof Notification === 'undefined') {
    return 'unsupported';
  }
  let permission = Notification.permission;
  if (permission === 'default') permission = await Notification.requestPermission();
  if (permission !== 'granted') return 'denied';

  const { data } = await apiFetch<{ public_key: string }>('GET', '/api/push/vapid-public-key');
  const key = vapidKeyBytes(data.public_key);
  const registration = await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  if (subscription !== null && !sameKey(subscription.options.applicationServerKey, key)) {
    // Made with another server key (the server's keys changed): it cannot receive our pushes.
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  await apiFetch('POST', '/api/push/subscriptions', { json: subscription.toJSON() });
  return 'granted';
}
