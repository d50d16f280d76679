import { Workbox } from 'workbox-window';

/**
 * Register /sw.js and run the ask-before-update flow (Squoosh style): when a
 * new worker is waiting, show `banner`; its `[data-action="apply"]` button
 * posts SKIP_WAITING and the page reloads once the new worker controls it;
 * `[data-action="dismiss"]` hides the banner until the next page load.
 *
 * `<html data-sw>` reports progress for people and browser tests:
 * `registering`, `active` (the shell is precached: offline reload works),
 * `unsupported` or `error`.
 */
export function registerServiceWorker(banner: HTMLElement): void {
  const root = document.documentElement;
  if (!('serviceWorker' in navigator)) {
    root.dataset['sw'] = 'unsupported';
    return;
  }
  root.dataset['sw'] = 'registering';

  const wb = new Workbox('/sw.js', { scope: '/' });
  const apply = banner.querySelector<HTMLButtonElement>('[data-action="apply"]');
  const dismiss = banner.querySelector<HTMLButtonElement>('[data-action="dismiss"]');

  wb.addEventListener('waiting', () => {
    banner.hidden = false;
  });
  apply?.addEventListener('click', () => {
    apply.disabled = true;
    // Reload only in the tab that asked, and only once the new worker is in charge.
    wb.addEventListener('controlling', () => window.location.reload());
    wb.messageSkipWaiting();
  });
  dismiss?.addEventListener('click', () => {
    banner.hidden = true;
  });

  wb.register()
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      root.dataset['sw'] = 'active';
    })
    .catch((error: unknown) => {
      root.dataset['sw'] = 'error';
      console.error('[sw] registration failed', error);
    });
}
