/**
 * `#sync-indicator` on every screen once someone is signed in (issue 4: pending items and
 * photos, last success, the last error in plain words; issue 9: drafts that only this phone has,
 * and red only when a person must act). `data-state`: offline | syncing | error | pending |
 * synced (the outbox); `data-attention`: none | wait | person (the colour); `data-pending`:
 * records + photos still to send; `data-drafts`: visits not submitted. `#sync-now` replays the
 * outbox at once.
 */

import type { I18n, MessageKey } from '../i18n';
import { fill } from '../i18n';
import { isPassing, syncAttention, syncIndicatorState, syncNow, type SyncState } from '../data/sync';
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
  INTERNAL_ERROR: 'syncError.serverDown',
  SERVICE_UNAVAILABLE: 'syncError.serverDown',
  DATABASE_UNAVAILABLE: 'syncError.serverDown',
  INCOMPLETE_BODY: 'syncError.network',
  OTHER_USER: 'syncError.otherUser',
  EDIT_CONFLICT: 'syncError.conflict',
  ONSITE_CHANGED_ON_SERVER: 'syncError.onsiteChanged',
  VALIDATION_ERROR: 'syncError.invalid',
  PHOTO_MISSING: 'syncError.photo',
  LOCAL_PHOTO_DAMAGED: 'syncError.photo',
  ASSIGNMENT_ALREADY_RECORDED: 'syncError.alreadyRecorded',
  INVALID_TRANSITION: 'syncError.notEditable',
};

/** An error code in plain words, or null when only the server's own message will do. */
export function plainError(code: string): MessageKey | null {
  return PLAIN_ERRORS[code] ?? (/^HTTP_5\d\d$/.test(code) ? 'syncError.serverDown' : null);
}

/** The indicator's state: the data layer's own reading (data/sync.ts syncIndicatorState). */
export function syncStateName(s: SyncState): string {
  return syncIndicatorState(s);
}

/** "1 条记录和 3 张照片" without the half that is zero. */
function pendingText(i18n: I18n, s: SyncState): string {
  if (s.pendingRecords > 0 && s.pendingPhotos > 0) {
    return fill(i18n.t('sync.pendingBoth'), { records: s.pendingRecords, photos: s.pendingPhotos });
  }
  if (s.pendingRecords > 0) return fill(i18n.t('sync.pendingRecords'), { records: s.pendingRecords });
  return fill(i18n.t('sync.pendingPhotos'), { photos: s.pendingPhotos });
}

/** The first line: what the outbox is doing, in one short sentence. */
export function summaryText(i18n: I18n, s: SyncState): string {
  const pending = s.pendingRecords + s.pendingPhotos;
  const state = syncIndicatorState(s);
  if (pending === 0) {
    if (state === 'offline') return i18n.t('sync.offlineNothing');
    return i18n.t(s.localDrafts > 0 ? 'sync.submittedAllSent' : 'sync.allSent');
  }
  const what = pendingText(i18n, s);
  if (state === 'offline') return fill(i18n.t('sync.offlinePending'), { what });
  if (state === 'syncing') return fill(i18n.t('sync.sending'), { what });
  if (s.blockedRecords > 0 && s.blockedRecords >= pending) return i18n.t('sync.blockedOnly');
  if (syncAttention(s) === 'person') return fill(i18n.t('sync.blockedPending'), { what });
  return fill(i18n.t('sync.waiting'), { what });
}

export function mountSyncIndicator(element: HTMLElement, i18n: I18n): (s: SyncState) => void {
  let last: SyncState | null = null;
  const render = (): void => {
    const s = last;
    if (s === null) return;
    const pending = s.pendingRecords + s.pendingPhotos;
    const attention = syncAttention(s);
    element.dataset['state'] = syncStateName(s);
    element.dataset['attention'] = attention;
    element.dataset['pending'] = String(pending);
    element.dataset['pendingRecords'] = String(s.pendingRecords);
    element.dataset['pendingPhotos'] = String(s.pendingPhotos);
    element.dataset['blocked'] = String(s.blockedRecords);
    element.dataset['drafts'] = String(s.localDrafts);
    const lastOk = s.lastSuccessAt
      ? fill(i18n.t('sync.lastSuccess'), { time: formatTime(s.lastSuccessAt, i18n.locale) })
      : i18n.t('sync.never');
    // While offline the outbox simply waits: no error line (the summary says it waits).
    const error = s.lastError !== null && s.online && pending > 0 ? s.lastError : s.lastError?.code.startsWith('STORAGE') ? s.lastError : null;
    const errorKey = error ? plainError(error.code) : null;
    const errorText = error ? (errorKey ? i18n.t(errorKey) : error.message || error.code) : null;
    const errorClass = error && isPassing(error.code) ? 'sync__wait' : 'sync__error';
    replace(
      element,
      h('span', { class: 'sync__dot', 'aria-hidden': 'true' }),
      h(
        'span',
        { class: 'sync__text' },
        h('strong', { id: 'sync-summary' }, summaryText(i18n, s)),
        s.localDrafts > 0 ? h('span', { id: 'sync-drafts', class: 'sync__detail' }, fill(i18n.t('sync.localDrafts'), { n: s.localDrafts })) : null,
        h('span', { id: 'sync-last-success', class: 'sync__detail' }, lastOk),
        s.blockedRecords > 0 ? h('span', { id: 'sync-blocked', class: 'sync__error' }, fill(i18n.t('sync.blocked'), { n: s.blockedRecords })) : null,
        errorText ? h('span', { id: 'sync-last-error', class: errorClass }, fill(i18n.t('sync.lastError'), { message: errorText })) : null,
      ),
      // Only while something can still go: "sync now" does not help an entry the server refused.
      pending > s.blockedRecords && s.online && !s.running
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
