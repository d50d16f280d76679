/** Entry point of the page: wires the shell's modules and the screens to index.html. */
import './styles.css';
import { setApiLanguage } from './data/api';
import { enablePush } from './data/push';
import { pairFromLocation } from './data/session';
import { startSync } from './data/sync';
import { mountConnectionStatus } from './app/connection';
import { byId, localStore } from './app/dom';
import { mountLanguageSwitch } from './app/language-switch';
import { registerServiceWorker } from './app/service-worker';
import { applyTranslations } from './app/translate';
import { createI18n } from './i18n';
import { createApp } from './ui/app';
import { assignmentsScreen } from './ui/screens/assignments';
import { inspectScreen } from './ui/screens/inspect';
import { onsiteScreen } from './onsite/screen';
import { loginScreen } from './ui/screens/login';
import { officeEntry } from './ui/office-entry';
import { reviewDetailScreen, reviewListScreen } from './ui/screens/review';
import { applyLargeText, readLargeText, settingsScreen } from './ui/screens/settings';
import { surveysScreen } from './ui/screens/surveys';
import { visitScreen } from './ui/screens/visit';
import { mountSyncIndicator } from './ui/sync-indicator';
import { onSyncState } from './data/sync';

const i18n = createI18n(localStore());
applyTranslations(document, i18n);
setApiLanguage(i18n.locale);
i18n.onChange(() => {
  applyTranslations(document, i18n);
  setApiLanguage(i18n.locale);
});
applyLargeText(readLargeText());

mountLanguageSwitch(byId('language-switch'), i18n);
mountConnectionStatus(byId('connection-status'), i18n);
onSyncState(mountSyncIndicator(byId('sync-indicator'), i18n));

// In `vite dev` there is no built sw.js (and a worker would cache dev modules).
if (import.meta.env.PROD) registerServiceWorker(byId('update-banner'));

const app = createApp({
  i18n,
  view: byId('view'),
  nav: byId('nav'),
  syncIndicator: byId('sync-indicator'),
  screens: {
    login: loginScreen,
    onsite: onsiteScreen,
    assignments: assignmentsScreen,
    visit: visitScreen,
    inspect: inspectScreen,
    review: (a, root, params) => (params.length ? reviewDetailScreen(a, root, params) : reviewListScreen(a, root, params)),
    settings: settingsScreen,
    surveys: surveysScreen,
    office: officeEntry,
  },
});

// A notification click on an open app: the worker asks the page to show the route.
navigator.serviceWorker?.addEventListener('message', (event: MessageEvent<unknown>) => {
  const data = event.data as { type?: unknown; url?: unknown } | null;
  if (data && data.type === 'NAVIGATE' && typeof data.url === 'string') {
    const hash = new URL(data.url, window.location.origin).hash;
    if (hash) app.navigate(hash);
  }
});

// Pair first (a QR code's '#pair=fcd_…' must not reach the router), then sign-in state, then sync.
void pairFromLocation()
  .catch(() => false)
  .then(() => app.start())
  .then(() => {
    startSync();
    document.documentElement.dataset['app'] = 'ready';
    // Already allowed: keep the server's subscription current (it may have been dropped).
    if (app.me !== null && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      void enablePush().catch(() => undefined);
    }
  });
