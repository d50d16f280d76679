/** `#/settings`: language, large text, storage (usage, persisted), pairing, sign out. */

import { enablePush } from '../../data/push';
import { isPaired, logout } from '../../data/session';
import { LOCALES, LOCALE_NAMES } from '../../i18n';
import type { Screen } from '../app';
import { formatBytes } from '../format';
import { h, replace } from '../h';

export const LARGE_TEXT_KEY = 'fieldcert.largeText';

export function applyLargeText(on: boolean): void {
  document.documentElement.classList.toggle('large-text', on);
}

export function readLargeText(): boolean {
  try {
    return window.localStorage.getItem(LARGE_TEXT_KEY) === '1';
  } catch {
    return false;
  }
}

export const settingsScreen: Screen = async (app, root) => {
  const me = app.me;
  const large = h('input', { type: 'checkbox', id: 'large-text', checked: readLargeText() });
  large.addEventListener('change', () => {
    applyLargeText(large.checked);
    try {
      window.localStorage.setItem(LARGE_TEXT_KEY, large.checked ? '1' : '0');
    } catch {
      // Storage disabled: the choice lasts for this page only.
    }
  });
  const storage = h('p', { id: 'storage-usage' });
  const persisted = h('p', { id: 'storage-persisted' });
  app.onSync((s) => {
    storage.textContent = s.storage
      ? app.tf('settings.storageUsage', { usage: formatBytes(s.storage.usage), quota: formatBytes(s.storage.quota) })
      : app.t('settings.storageUnknown');
    persisted.dataset['persisted'] = String(s.persisted);
    persisted.textContent = app.t(s.persisted === true ? 'settings.persisted' : s.persisted === false ? 'settings.notPersisted' : 'settings.persistUnknown');
  });
  const paired = await isPaired().catch(() => false);
  // Notifications: a tap is a user gesture, which browsers want before asking (paired phones
  // never pass through the sign-in screen, which asks on its own).
  const pushState = h('p', { id: 'push-state', class: 'hint' });
  const showPush = (state: string): void => {
    pushState.dataset['push'] = state;
    pushState.textContent = app.t(`settings.push.${state}` as Parameters<typeof app.t>[0]);
  };
  showPush(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission === 'granted' ? 'granted' : Notification.permission === 'denied' ? 'denied' : 'default');
  const pushButton = h('button', { id: 'enable-push', type: 'button', class: 'button button--block' }, app.t('settings.enablePush'));
  pushButton.addEventListener('click', () => {
    pushButton.disabled = true;
    void enablePush()
      .catch(() => 'unsupported' as const)
      .then((state) => {
        pushButton.disabled = false;
        showPush(state);
      });
  });
  const signOut = h('button', { id: 'sign-out', type: 'button', class: 'button button--block' }, app.t('settings.signOut'));
  signOut.addEventListener('click', () => {
    signOut.disabled = true;
    void logout()
      .catch(() => undefined)
      .then(() => {
        app.me = null;
        app.navigate('#/login');
      });
  });
  replace(
    root,
    h('h2', null, app.t('settings.title')),
    me
      ? h(
          'section',
          { class: 'card', id: 'settings-user' },
          h('p', null, h('strong', null, me.display_name)),
          h('p', { class: 'muted' }, app.t(`role.${me.role}` as Parameters<typeof app.t>[0])),
          h('p', { class: 'muted' }, me.email),
        )
      : null,
    h(
      'section',
      { class: 'card stack' },
      h('h3', null, app.t('settings.language')),
      h(
        'div',
        { class: 'segmented', role: 'group' },
        LOCALES.map((locale) =>
          h('button', { type: 'button', id: `settings-lang-${locale}`, class: 'button', lang: locale, 'aria-pressed': String(app.i18n.locale === locale), onclick: () => app.i18n.setLocale(locale) }, LOCALE_NAMES[locale]),
        ),
      ),
      h('label', { class: 'inline-field check' }, large, h('span', null, app.t('settings.largeText'))),
    ),
    h('section', { class: 'card stack' }, h('h3', null, app.t('settings.storage')), storage, persisted),
    h('section', { class: 'card stack' }, h('h3', null, app.t('settings.notifications')), pushState, pushButton),
    h(
      'section',
      { class: 'card stack' },
      h('h3', null, app.t('settings.device')),
      h('p', { id: 'pair-state', 'data-paired': String(paired) }, app.t(paired ? 'settings.paired' : 'settings.notPaired')),
      signOut,
      paired ? h('p', { class: 'hint' }, app.t('settings.signOutPaired')) : null,
    ),
  );
};
