/**
 * The app's frame: the signed-in user, the hash router, the bottom navigation and the sync
 * indicator. Screens render into a fresh `<section>` per navigation, so a slow screen that
 * finishes after the user has moved on writes into a detached element and is never seen.
 */

import type { I18n, MessageKey } from '../i18n';
import { fill, isMessageKey } from '../i18n';
import { currentUser, type Me } from '../data/session';
import { onSyncState, type SyncState } from '../data/sync';
import { h, replace } from './h';
import { CAPTURE_ROLES, homeFor, OFFICE_ROLES, parseHash, REVIEW_ROLES } from './routes';
import type { Text } from './types';

export { CAPTURE_ROLES, homeFor, OFFICE_ROLES, parseHash, REVIEW_ROLES };


export interface App {
  readonly i18n: I18n;
  me: Me | null;
  sync: SyncState | null;
  t(key: MessageKey): string;
  tf(key: MessageKey, vars: Record<string, string | number>): string;
  /** A bilingual server label in the current language. */
  text(value: Text | null | undefined): string;
  navigate(hash: string): void;
  /** Re-render the current route (after sign-in, language change). */
  refresh(): void;
  /** Called with each new sync state while the current screen is shown. */
  onSync(listener: (s: SyncState) => void): void;
}

export type Screen = (app: App, root: HTMLElement, params: readonly string[]) => void | Promise<void>;

export function createApp(opts: {
  i18n: I18n;
  view: HTMLElement;
  nav: HTMLElement;
  /** `#sync-indicator`: shown only while someone is signed in (it is about their outbox). */
  syncIndicator?: HTMLElement;
  screens: Record<string, Screen>;
}): App & { start(): Promise<void> } {
  const { i18n, view, nav, screens, syncIndicator } = opts;
  let syncListeners: ((s: SyncState) => void)[] = [];

  const app: App & { start(): Promise<void> } = {
    i18n,
    me: null,
    sync: null,
    t: (key) => i18n.t(key),
    tf: (key, vars) => fill(i18n.t(key), vars),
    text: (value) => (value ? (i18n.locale === 'en' ? value.en || value.zh : value.zh || value.en) : ''),
    navigate(hash) {
      if (window.location.hash === hash) render();
      else window.location.hash = hash;
    },
    refresh: () => render(),
    onSync(listener) {
      syncListeners.push(listener);
      if (app.sync) listener(app.sync);
    },
    async start() {
      app.me = await currentUser().catch(() => null);
      onSyncState((state) => {
        app.sync = state;
        for (const listener of syncListeners) listener(state);
      });
      window.addEventListener('hashchange', render);
      i18n.onChange(render);
      render();
    },
  };

  function renderNav(active: string): void {
    const me = app.me;
    if (syncIndicator) syncIndicator.hidden = me === null;
    if (me === null) {
      replace(nav);
      nav.hidden = true;
      return;
    }
    nav.hidden = false;
    const tabs: [string, MessageKey, string][] = [];
    if (OFFICE_ROLES.includes(me.role)) tabs.push(['office', 'nav.office', 'nav-office']);
    if (me.role === 'shopper') tabs.push(['assignments', 'nav.assignments', 'nav-assignments']);
    if (CAPTURE_ROLES.includes(me.role)) tabs.push(['inspect', 'nav.inspect', 'nav-inspect']);
    if (CAPTURE_ROLES.includes(me.role)) tabs.push(['onsite', 'nav.onsite', 'nav-onsite']);
    if (CAPTURE_ROLES.includes(me.role)) tabs.push(['surveys', 'nav.surveys', 'nav-surveys']);
    if (REVIEW_ROLES.includes(me.role)) tabs.push(['review', 'nav.review', 'nav-review']);
    tabs.push(['settings', 'nav.settings', 'nav-settings']);
    replace(
      nav,
      tabs.map(([name, key, id]) =>
        h('a', { id, class: 'tab', href: `#/${name}`, 'aria-current': name === active ? 'page' : false }, app.t(key)),
      ),
    );
  }

  function render(): void {
    const route = parseHash(window.location.hash);
    if (app.me === null && route.name !== 'login') {
      window.location.replace('#/login');
      return;
    }
    const name = app.me === null ? 'login' : route.name;
    const screen = screens[name];
    if (screen === undefined || (name === 'login' && app.me !== null)) {
      window.location.replace(homeFor(app.me));
      return;
    }
    syncListeners = [];
    const root = h('section', { class: 'screen', 'data-screen': name });
    replace(view, root);
    document.documentElement.dataset['route'] = name;
    // Office screens are laid out for a desk (side navigation, wide tables): src/office/office.css.
    document.documentElement.dataset['layout'] = name === 'office' ? 'desk' : 'phone';
    renderNav(name === 'visit' ? (app.me?.role === 'shopper' ? 'assignments' : 'inspect') : name);
    Promise.resolve(screen(app, root, route.params)).catch((error: unknown) => {
      console.error('[ui] screen failed', error);
      replace(root, h('p', { class: 'error', role: 'alert', 'data-screen-error': '' }, app.t('error.screen'), ' ', errorText(error)));
    });
  }

  return app;
}

/** A certification mode's letter and name (GB/T 27207: A 公开检验 … I 服务管理审核). */
export function modeLabel(app: Pick<App, 't'>, mode: string): string {
  const key = `mode.${mode}`;
  return isMessageKey(key) ? app.t(key) : mode;
}

/** An error in plain words: the server's message (already in the user's language) or the JS one. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
