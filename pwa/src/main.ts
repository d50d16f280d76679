/** Entry point of the page: wires the shell's modules to index.html. */
import './styles.css';
import { mountConnectionStatus } from './app/connection';
import { byId, localStore } from './app/dom';
import { mountLanguageSwitch } from './app/language-switch';
import { registerServiceWorker } from './app/service-worker';
import { applyTranslations } from './app/translate';
import { createI18n } from './i18n';

const i18n = createI18n(localStore());
applyTranslations(document, i18n);
i18n.onChange(() => applyTranslations(document, i18n));

mountLanguageSwitch(byId('language-switch'), i18n);
mountConnectionStatus(byId('connection-status'), i18n);

// In `vite dev` there is no built sw.js (and a worker would cache dev modules).
if (import.meta.env.PROD) registerServiceWorker(byId('update-banner'));
