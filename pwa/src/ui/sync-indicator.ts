/**
 * `#sync-indicator` on every screen (issue 4: pending items and photos, last success, the last
 * error in plain words). `data-state`: offline | syncing | error | pending | synced;
 * `data-pending`: records + photos still to send. `#sync-now` replays the outbox at once.
 */

import type { I18n, MessageKey } from '../i18n';
import { fill } from '../i18n';
import { syncIndicatorState, syncNow, type SyncState } from '../data/sync';
import { formatTime } from './format';
import { h, replace } from './h';

/** Error codes the user can act on, in plain words; anything else shows the server's message. */
const PLAIN_ERRORS: Readonly<Record<string, MessageKey>> = {
  NETWORK: 'syncError.network',
  TIMEOUT: 'syncError.network',
  AUTH_REQUIRED: 'syncError.auth',
  DEVICE_REVOKED: 'syncError.revoked',
  STORAGE_QUOTA: 'syncError.quota',
  STORAGE_ERROR: 'syncError.storage',
  STORAGE_UNAVAILABLE: 'syncError.storage',
  TOO_MANY_REQUESTS: 'syncError.busy',
  OTHER_USER: 'syncError.otherUser',
  EDIT_CONFLICT: 'syncError.conflict',
  VALIDATION_ERROR: 'syncError.invalid',
  PHOTO_MISSING: 'syncError.photo',
  LOCAL_PHOTO_DAMAGED: 'syncError.photo',
};

/** An error code in plain words, or null when only the server's own message will do. */
export function plainError(code: string): MessageKey | null {
  return PLAIN_ERRORS[code] ?? null;
}

/** The indicator's state: the data layer's own reading (data/sync.ts syncIndicatorState). */
export function syncStateName(s: SyncState): string {
  return syncIndicatorState(s);
}

export function mountSyncIndicator(element: HTMLElement, i18n: I18n): (s: SyncState) => void {
  let last: SyncState | null = null;
  const render = (): void => {
    const s = last;
    if (s === null) return;
    const pending = s.pendingRecords + s.pendingPhotos;
    element.dataset['state'] = syncStateName(s);
    element.dataset['pending'] = String(pending);
    element.dataset['pendingRecords'] = String(s.pendingRecords);
    element.dataset['pendingPhotos'] = String(s.pendingPhotos);
    element.dataset['blocked'] = String(s.blockedRecords);
    const summary =
      pending === 0
        ? i18n.t('sync.allSent')
        : fill(i18n.t('sync.pending'), { records: s.pendingRecords, photos: s.pendingPhotos });
    const state = i18n.t(`sync.state.${syncStateName(s)}` as MessageKey);
    const lastOk = s.lastSuccessAt
      ? fill(i18n.t('sync.lastSuccess'), { time: formatTime(s.lastSuccessAt, i18n.locale) })
      : i18n.t('sync.never');
    const errorKey = s.lastError ? plainError(s.lastError.code) : null;
    const errorText = s.lastError ? (errorKey ? i18n.t(errorKey) : s.lastError.message || s.lastError.code) : null;
    replace(
      element,
      h('span', { class: 'sync__dot', 'aria-hidden': 'true' }),
      h(
        'span',
        { class: 'sync__text' },
        h('strong', { id: 'sync-summary' }, `${state} · ${summary}`),
        h('span', { id: 'sync-last-success', class: 'sync__detail' }, lastOk),
        s.blockedRecords > 0 ? h('span', { id: 'sync-blocked', class: 'sync__error' }, fill(i18n.t('sync.blocked'), { n: s.blockedRecords })) : null,
        errorText ? h('span', { id: 'sync-last-error', class: 'sync__error' }, fill(i18n.t('sync.lastError'), { message: errorText })) : null,
      ),
      pending > 0 && s.online && !s.running
        ? h('button', { id: 'sync-now', class: 'button button--small', type: 'button', onclick: () => void syncNow() }, i18n.t('sync.now'))
        : null,
    );
  };
  i18n.onChange(render);
  return (s) => {
    last = s;
    render();
  };
}
