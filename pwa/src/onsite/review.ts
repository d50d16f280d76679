/**
 * `#/onsite/review/<engagement>` (the engagement's team leader): the on-site records the auditors
 * submitted, each with what it scores (the server's own computation), to accept or return with
 * what to correct (POST /api/onsite-records/<id>/review, If-Match the version reviewed). Needs the
 * network: a review is a decision about the server's current version.
 */
import { apiFetch } from '../data/api';
import type { MessageKey } from '../i18n';
import type { App } from '../ui/app';
import { h, replace } from '../ui/h';

interface ServerRecord {
  id: string;
  kind: string;
  status: string;
  status_reason: string | null;
  version: number;
  auditor_id: string;
  nonconforming_clauses: string[];
  computed: {
    management?: { total: number | null; level: number | null; missing?: string[] } | null;
    conformity?: { final: number | null; passed: boolean | null; chapters: Record<string, number> } | null;
    timing?: { clause: string; difference_s: number; limit_s: number; conforms: boolean }[];
  };
}

const STATUS: Record<string, MessageKey> = {
  draft: 'onsite.status.draft',
  submitted: 'onsite.status.submitted',
  accepted: 'onsite.status.accepted',
  returned: 'onsite.status.returned',
};

function summary(app: App, r: ServerRecord): string {
  const m = r.computed.management;
  if (r.kind === 'management' && m) {
    const missing = m.missing?.length ?? 0;
    return app.tf('onsite.review.management', { total: m.total ?? '—', level: m.level ?? '—' }) + (missing ? app.tf('onsite.review.notRated', { n: missing }) : '');
  }
  const c = r.computed.conformity;
  const rows = r.computed.timing ?? [];
  const ok = rows.filter((x) => x.conforms).length;
  return app.tf('onsite.review.conformity', { final: c?.final?.toFixed(2) ?? '—', rows: rows.length, ok });
}

export async function reviewScreen(app: App, root: HTMLElement, engagementId: string): Promise<void> {
  const title = app.t('onsite.reviewOnSiteRecords');
  replace(root, h('h2', null, title), h('p', { class: 'hint' }, app.t('common.loading')));
  let records: ServerRecord[];
  try {
    records = (await apiFetch<ServerRecord[]>('GET', `/api/engagements/${engagementId}/onsite-records`)).data;
  } catch {
    replace(root, h('h2', null, title), h('p', { class: 'error', role: 'alert' }, app.t('onsite.reviewingNeedsTheNetwork')));
    return;
  }
  const list = records.filter((r) => r.kind !== 'pair_rating');
  replace(
    root,
    h('h2', null, title),
    list.length === 0 ? h('p', { class: 'hint' }, app.t('onsite.noRecordsYet')) : null,
    h(
      'ul',
      { class: 'list', id: 'onsite-review' },
      list.map((r) => {
        const comment = h('textarea', { rows: 2, 'data-comment': r.id, placeholder: app.t('onsite.whatToCorrectToReturn') });
        const error = h('p', { class: 'error', role: 'alert' });
        const act = (action: 'accept' | 'return'): void => {
          void apiFetch('POST', `/api/onsite-records/${r.id}/review`, { json: { action, comment: comment.value || null }, ifMatch: r.version }).then(
            () => reviewScreen(app, root, engagementId),
            (e: unknown) => replace(error, String((e as Error).message)),
          );
        };
        const accept = h('button', { type: 'button', class: 'button button--primary', 'data-accept': r.id }, app.t('onsite.accept'));
        accept.addEventListener('click', () => act('accept'));
        const back = h('button', { type: 'button', class: 'button', 'data-return': r.id }, app.t('onsite.return'));
        back.addEventListener('click', () => act('return'));
        return h(
          'li',
          { class: 'card stack', 'data-review-id': r.id, 'data-status': r.status },
          h('strong', null, r.kind === 'management' ? app.t('onsite.managementAudit') : app.t('onsite.conformityAudit')),
          h('span', { class: 'chip' }, STATUS[r.status] ? app.t(STATUS[r.status] as MessageKey) : r.status),
          h('p', null, summary(app, r)),
          r.nonconforming_clauses.length ? h('p', null, app.tf('onsite.review.nonconformities', { clauses: r.nonconforming_clauses.join(app.t('onsite.listSeparator')) })) : null,
          r.status_reason ? h('p', { class: 'muted' }, r.status_reason) : null,
          r.status === 'submitted' ? [comment, h('div', { class: 'row' }, accept, back)] : null,
          error,
        );
      }),
    ),
  );
}
