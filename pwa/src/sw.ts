/**
 * The fieldcert service worker, built to /sw.js with scope /.
 *
 * - Precaches the app shell that vite-plugin-pwa injects into `__WB_MANIFEST`
 *   (the list is chosen in vite.config.ts), and serves it cache-first.
 * - Answers every navigation outside /api with the precached index.html, so
 *   reloading or opening any app URL works with no network.
 * - Leaves /api alone: it registers no route for it, so API requests go
 *   straight to the network and nothing from the API is ever cached.
 * - Deletes, on activate, every cache it does not own.
 * - Never activates an update by itself: the page shows "a new version is
 *   available" and posts SKIP_WAITING only when the user agrees (Squoosh flow).
 */
import { cacheNames, clientsClaim } from 'workbox-core';
import { createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { API_PATH, isSkipWaitingMessage } from './shared/sw-protocol';

declare const self: ServiceWorkerGlobalScope & {
  /** Replaced at build time by the precache manifest (injectManifest). */
  __WB_MANIFEST: Array<PrecacheEntry | string>;
};

/** The precached page every app navigation is answered with. */
const APP_SHELL_URL = 'index.html';

precacheAndRoute(self.__WB_MANIFEST);

registerRoute(
  new NavigationRoute(createHandlerBoundToURL(APP_SHELL_URL), {
    // API URLs opened as pages (the OpenAPI docs, a file download) must reach
    // the server, never get the app shell.
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
  }
});

// Take control of open pages as soon as this worker activates. On a first
// visit that makes the page offline-ready without a reload; for an update,
// activation only happens after the user's SKIP_WAITING, and the page then
// reloads on `controlling`.
clientsClaim();
