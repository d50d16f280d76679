/**
 * The reviewer's queue (CQC rule §6.1, §6.2): the engagements they may review (the server lists
 * only those whose team they were never on) whose audit has ended and whose file awaits the
 * review, and those whose review waits for the certification decision.
 */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, emptyState, pageHeader, panel, statusChip } from '../kit';
import { engagementKindLabel } from '../labels';
import { defineMessages } from '../messages';
import { officeHref, type OfficeContext, type OfficeView } from '../registry';

/** GET /api/engagements, the fields used here (backend/engagements/schemas.py). */
interface EngagementRow {
  id: string;
  title: string;
  kind: string;
  status: string;
  starts_on: string;
  ends_on: string;
  client: { id: string; name: string };
}

const m = defineMessages(
  {
    title: '复核与认证决定',
    panel: '待复核、待决定的认证文件',
    toReview: '待复核',
    toDecide: '待决定',
    none: '没有等待复核或认证决定的项目。',
    engagement: '认证项目',
    client: '委托方',
    kind: '类型',
    ended: '审查结束',
    stage: '环节',
    open: '打开认证文件',
  },
  {
    title: 'Review and decision',
    panel: 'Files to review or decide',
    toReview: 'To review',
    toDecide: 'To decide',
    none: 'No file waits for a review or a decision.',
    engagement: 'Engagement',
    client: 'Client',
    kind: 'Kind',
    ended: 'Audit ended',
    stage: 'Step',
    open: 'Open the file',
  },
);

function today(): string {
  // Beijing's date: the audits' dates are China's.
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Engagements whose audit has ended and that are not decided yet, the older first. */
export async function queue(): Promise<(EngagementRow & { step: 'review' | 'decide' })[]> {
  const { data } = await apiFetch<EngagementRow[]>('GET', '/api/engagements');
  const day = today();
  return data
    .filter((e) => e.status === 'review' || ((e.status === 'planned' || e.status === 'fieldwork') && e.ends_on <= day))
    .map((e) => ({ ...e, step: e.status === 'review' ? ('decide' as const) : ('review' as const) }))
    .sort((a, b) => a.ends_on.localeCompare(b.ends_on));
}

function table(ctx: OfficeContext, rows: Awaited<ReturnType<typeof queue>>): HTMLElement {
  const { app } = ctx;
  return rows.length
    ? dataTable({
        id: 'review-files',
        rows,
        rowId: (e) => e.id,
        rowProps: (e) => ({ 'data-step': e.step }),
        columns: [
          { key: 'engagement', label: m(app, 'engagement'), cell: (e) => e.title, class: 'wide' },
          { key: 'client', label: m(app, 'client'), cell: (e) => e.client.name },
          { key: 'kind', label: m(app, 'kind'), cell: (e) => engagementKindLabel(app, e.kind as 'initial') },
          { key: 'ended', label: m(app, 'ended'), cell: (e) => e.ends_on, class: 'nowrap' },
          { key: 'stage', label: m(app, 'stage'), cell: (e) => statusChip(e.step, m(app, e.step === 'review' ? 'toReview' : 'toDecide'), e.step === 'review' ? 'info' : 'warn') },
          { key: 'open', label: '', cell: (e) => h('a', { href: officeHref('review', e.id), class: 'button button--small button--primary', 'data-action': 'open-file' }, m(app, 'open')) },
        ],
      })
    : emptyState('review-files', m(app, 'none'));
}

export const queueView: OfficeView = async (ctx, main) => {
  replace(main, pageHeader(m(ctx.app, 'title')), table(ctx, await queue()));
};

/** The reviewer's home panel: the same queue. */
export const queuePanel: OfficeView = async (ctx, slot) => {
  const rows = await queue();
  replace(slot, panel({ id: 'home-files-to-review', 'data-count': rows.length }, m(ctx.app, 'panel'), table(ctx, rows)));
};
