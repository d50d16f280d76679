/**
 * The fieldcert service worker, built to /sw.js with scope /.
 *
 * - Precaches the app shell that vite-plugin-pwa injects into `__WB_MANIFEST`
 *   (the list is chosen in vite.config.ts), and serves it cache-first.
 * - Answers navigations to the app's own pages (`/`, `/index.html`: it routes by
 *   the hash) with the precached index.html, so reloading or opening any app URL
 *   works with no network; every other navigation (the public survey /s/…,
 *   certificate checks /c/…, /surveys/…, /api) goes to the network.
 * - Leaves /api alone: it registers no route for it, so API requests go
 *   straight to the network and nothing from the API is ever cached.
 * - Deletes, on activate, every cache it does not own.
 * - Never activates an update by itself: the page shows "a new version is
 *   available" and posts SKIP_WAITING only when the user agrees (Squoosh flow).
 * - Sends the outbox by itself on Background Sync ('fieldcert-outbox') and when a page asks
 *   (REPLAY_OUTBOX), with the same replay code as the page (data/replay.ts, DOM-free); the
 *   outbox lock keeps the two from sending the same entry at once.
 * - Shows Web Push notifications (texts in the app's language) and opens the app's route for
 *   the message on a click; a "returned" message also pulls the returned visit, so it is on
 *   the phone when the shopper opens it.
 */
import { cacheNames, clientsClaim } from 'workbox-core';
import { createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { readMeta } from './data/db';
import { refreshReturned } from './data/returned';
import { replayOutbox } from './data/replay';
import { notificationPlan, parsePushPayload, type Lang } from './shared/notification';
import { API_PATH, APP_SHELL_PATHS, isReplayMessage, isSkipWaitingMessage, SYNC_TAG } from './shared/sw-protocol';

declare const self: ServiceWorkerGlobalScope & {
  /** Replaced at build time by the precache manifest (injectManifest). */
  __WB_MANIFEST: Array<PrecacheEntry | string>;
};

/** The precached page every app navigation is answered with. */
const APP_SHELL_URL = 'index.html';

precacheAndRoute(self.__WB_MANIFEST);

registerRoute(
  new NavigationRoute(createHandlerBoundToURL(APP_SHELL_URL), {
    // Only the app's own pages get the shell (an allowlist, not a denylist: the server has
    // pages of its own, and more will come). The public survey /s/…, certificate checks /c/…,
    // the survey analysis /surveys/… reach the server, as if no worker were installed.
    allowlist: [APP_SHELL_PATHS],
    // API URLs opened as pages (the OpenAPI document, a file download) never get the shell.
    denylist: [API_PATH],
  }),
);

/**
 * Caches this worker owns. Anything else (an older worker's precache under
 * another name, caches of earlier experiments) is deleted on activate. Add the
 * name here when a later feature opens its own cache.
 */
function ownedCaches(): Set<string> {
  return new Set([cacheNames.precache, cacheNames.runtime]);
}

async function deleteUnknownCaches(): Promise<void> {
  const owned = ownedCaches();
  const names = await caches.keys();
  await Promise.all(names.filter((name) => !owned.has(name)).map((name) => caches.delete(name)));
}

self.addEventListener('activate', (event) => {
  event.waitUntil(deleteUnknownCaches());
});

self.addEventListener('message', (event) => {
  if (isSkipWaitingMessage(event.data)) {
    void self.skipWaiting();
  } else if (isReplayMessage(event.data)) {
    event.waitUntil(replayOutbox({ force: true }).catch(() => undefined));
  }
});


interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
  readonly lastChance?: boolean;
}

// Background Sync: the browser wakes this worker when the phone is online again, even with the
// app closed. Rejecting tells the browser the outbox is not done, so it tries again later (with
// its own back-off); entries waiting for a person do not count as "not done".
self.addEventListener('sync' as keyof ServiceWorkerGlobalScopeEventMap, (event) => {
  const e = event as unknown as SyncEvent;
  if (e.tag !== SYNC_TAG) return;
  e.waitUntil(
    replayOutbox({ force: true }).then((result) => {
      if (result.stoppedBy === 'retry') throw new Error(`outbox not sent: ${result.error?.code ?? 'retry'}`);
    }),
  );
});

async function language(): Promise<Lang> {
  try {
    const lang = await readMeta('lang');
    return lang === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

self.addEventListener('push', (event) => {
  const payload = parsePushPayload(event.data?.text() ?? null);
  event.waitUntil(
    (async () => {
      const plan = payload === null ? null : notificationPlan(payload, await language());
      const title = plan?.title ?? 'fieldcert';
      await self.registration.showNotification(title, {
        body: plan?.body ?? '',
        tag: plan?.tag ?? 'fieldcert',
        data: { url: plan?.url ?? '/' },
        icon: '/icons/icon-192.png',
        badge: '/icons/icon-192.png',
        lang: await language(),
      });
      if (payload?.type === 'evaluation.returned') {
        // Best effort: the page pulls it again on start-up if this fails (offline, signed out).
        await refreshReturned().catch(() => undefined);
      }
    })(),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data as { url?: unknown } | null;
  const wanted = new URL(typeof data?.url === 'string' ? data.url : '/', self.location.origin);
  // Only ever one of our own pages (a '//host' path would leave the origin).
  const url = wanted.origin === self.location.origin ? wanted.href : new URL('/', self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const client = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (client !== undefined) {
        // The page routes it (src/main.ts listens for NAVIGATE): no reload, drafts stay open.
        client.postMessage({ type: 'NAVIGATE', url });
        await client.focus().catch(() => undefined);
        return;
      }
      await self.clients.openWindow(url);
    })(),
  );
});

// Take control of open pages as soon as this worker activates. On a first
// visit that makes the page offline-ready without a reload; for an update,
// activation only happens after the user's SKIP_WAITING, and the page then
// reloads on `controlling`.
clientsClaim();
