/**
 * `#/review`: the submitted evaluations of the engagements I may review (team leaders and
 * auditors: their own teams'; reviewers: the ones they were not on). `#/review/<id>`: one
 * evaluation with its photos, the GPS fixes and photo capture points on a plot around the
 * site and its geofence, a timeline, the server's integrity flags, and the review actions the
 * server allows this user now (`review.actions`: backend/evaluations/actions.py), or why none.
 * Online only: reviews go straight to the server (docs/sync.md, "Review (web, not the outbox)").
 */

import { ApiError, apiFetch, NetworkError } from '../../data/api';
import { PagedQueues } from '../../data/queues';
import { isMessageKey, type MessageKey } from '../../i18n';
import { errorText, modeLabel, type App, type Screen } from '../app';
import { packetPath } from '../context';
import { formatDateTime, formatMetres, formatTime } from '../format';
import { plotFrame, localMetres } from '../geometry';
import { h, replace, svg } from '../h';
import type { Engagement, EngagementPacket, Evaluation, EvaluationSummary, EvidenceRecord, FieldSite, IntegrityReport } from '../types';

function offlineOr(app: App, root: HTMLElement, error: unknown): void {
  replace(
    root,
    h('h2', null, app.t('review.title')),
    h('p', { class: 'error', role: 'alert', id: 'review-error' }, error instanceof NetworkError ? app.t('review.offline') : errorText(error)),
  );
}

export const reviewListScreen: Screen = async (app, root) => {
  replace(root, h('h2', null, app.t('review.title')), h('p', { class: 'hint' }, app.t('common.loading')));
  try {
    const { data: engagements } = await apiFetch<Engagement[]>('GET', '/api/engagements');
    // The first page of each queue, then more on request (issue 13: a long queue costs a page).
    const queues = new PagedQueues<Engagement, EvaluationSummary>(engagements, (e) => `/api/engagements/${e.id}/evaluations?status=submitted`);
    await queues.loadMore();
    const draw = (): void => {
      const rows = queues.rows.map(({ engagement, evaluation }) => {
        const site = engagement.sites.find((s) => s.id === evaluation.site_id);
        return h(
          'li',
          { class: 'card', 'data-evaluation-id': evaluation.id },
          h(
            'a',
            { href: `#/review/${evaluation.id}`, class: 'link-block' },
            h('strong', null, site?.name ?? evaluation.site_id),
            h('br'),
            h('span', { class: 'muted' }, `${engagement.title}`),
            h('br'),
            h('span', null, `${modeLabel(app, evaluation.mode)} · ${evaluation.evaluator.display_name} · ${formatDateTime(evaluation.submitted_at, app.i18n.locale)}`),
            evaluation.review && evaluation.review.actions.length === 0
              ? h(
                  'span',
                  { class: 'chip', 'data-review-actions': 'none' },
                  app.t(evaluation.review.reason === 'own_evaluation' ? 'review.ownRecord' : 'review.readOnly'),
                )
              : null,
          ),
        );
      });
      replace(
        root,
        h('h2', null, app.t('review.title')),
        rows.length ? h('ul', { class: 'list', id: 'review-queue' }, rows) : h('p', { class: 'hint', id: 'review-empty' }, app.t('review.empty')),
        queues.hasMore ? moreButton() : null,
      );
    };
    const moreButton = (): HTMLElement => {
      const note = h('p', { class: 'hint', role: 'status', id: 'review-more-error' });
      const button = h('button', { type: 'button', class: 'button', id: 'review-more', 'data-load-more': 'review-queue' }, app.t('review.more')) as HTMLButtonElement;
      button.addEventListener('click', () => {
        button.disabled = true;
        note.textContent = '';
        queues.loadMore().then(draw, (error: unknown) => {
          button.disabled = false;
          note.textContent = error instanceof NetworkError ? app.t('review.offline') : errorText(error);
        });
      });
      return h('div', { class: 'stack' }, button, note);
    };
    draw();
  } catch (error) {
    offlineOr(app, root, error);
  }
};

export const reviewDetailScreen: Screen = async (app, root, params) => {
  const id = params[0] ?? '';
  replace(root, h('h2', null, app.t('review.detailTitle')), h('p', { class: 'hint' }, app.t('common.loading')));
  let evaluation: Evaluation;
  let etag: string | null;
  let integrity: IntegrityReport | null = null;
  let packet: EngagementPacket | null = null;
  try {
    const response = await apiFetch<Evaluation>('GET', `/api/evaluations/${id}`);
    evaluation = response.data;
    etag = response.etag;
    const [report, pack] = await Promise.all([
      apiFetch<IntegrityReport>('GET', `/api/evaluations/${id}/integrity`).then((r) => r.data, () => null),
      apiFetch<EngagementPacket>('GET', packetPath(evaluation.engagement_id)).then((r) => r.data, () => null),
    ]);
    integrity = report;
    packet = pack;
  } catch (error) {
    offlineOr(app, root, error);
    return;
  }
  // One after another: each read is written to the audit log, and a small server (SQLite) takes
  // one writer at a time.
  const evidence: EvidenceRow[] = [];
  for (const link of evaluation.content.evidence) {
    const record = await apiFetch<EvidenceRecord>('GET', `/api/evidence/${link.evidence_id}`).then(
      (r) => r.data,
      () => null,
    );
    evidence.push({ link, record });
  }
  const site = packet?.sites.find((s) => s.id === evaluation.site_id) ?? null;
  const items = new Map((packet?.scheme.items ?? []).map((item) => [item.code, item]));

  root.dataset['evaluationId'] = evaluation.id;
  root.dataset['status'] = evaluation.status;
  replace(
    root,
    h('h2', null, app.t('review.detailTitle')),
    h(
      'section',
      { class: 'card' },
      h('h3', null, site?.name ?? evaluation.site_id),
      h('p', { class: 'muted' }, packet?.title ?? ''),
      h(
        'p',
        { class: 'chips' },
        h('span', { class: 'chip', id: 'review-status', 'data-status': evaluation.status }, app.t(`evaluationStatus.${evaluation.status}` as MessageKey)),
        h('span', { class: 'chip' }, modeLabel(app, evaluation.mode)),
        h('span', { class: 'chip' }, app.tf('review.version', { version: evaluation.version })),
      ),
      h('p', null, evaluation.evaluator.display_name),
    ),
    integritySection(app, integrity),
    site ? plotSection(app, site, evaluation, evidence) : h('p', { class: 'hint' }, app.t('review.noSite')),
    timelineSection(app, evaluation, evidence),
    photosSection(app, evidence),
    h(
      'section',
      { class: 'card stack', id: 'review-ratings' },
      h('h3', null, app.t('review.ratings')),
      h(
        'ul',
        { class: 'ratings' },
        Object.entries(evaluation.content.ratings).map(([code, rating]) =>
          h(
            'li',
            { 'data-item': code },
            h('strong', null, code), ' ', app.text(items.get(code)?.title), app.t('review.colon'),
            rating.na
              ? app.tf('review.naBecause', { reason: rating.reason ?? '' })
              : rating.alpha !== undefined
                ? `α = ${rating.alpha}`
                : levelText(app, packet, code, rating.level),
            evaluation.content.item_notes[code] ? h('p', { class: 'muted' }, evaluation.content.item_notes[code]) : null,
          ),
        ),
      ),
      evaluation.content.notes ? h('p', { id: 'review-notes' }, evaluation.content.notes) : null,
    ),
    actionsSection(app, evaluation, etag),
  );
};

function integritySection(app: App, report: IntegrityReport | null): HTMLElement {
  if (!report) return h('section', { class: 'card', id: 'integrity' }, h('h3', null, app.t('review.integrity')), h('p', { class: 'hint' }, app.t('review.integrityUnavailable')));
  return h(
    'section',
    { class: 'card stack', id: 'integrity', 'data-flags': report.flags.length },
    h('h3', null, app.t('review.integrity')),
    report.flags.length
      ? h(
          'ul',
          { class: 'flags' },
          report.flags.map((flag) => h('li', { class: `flag flag--${flag.severity}`, 'data-flag': flag.code, 'data-severity': flag.severity }, app.text(flag.message))),
        )
      : h('p', { class: 'hint', id: 'integrity-clean' }, app.t('review.noFlags')),
    h(
      'ul',
      { class: 'checks muted' },
      report.checks.map((check) =>
        h(
          'li',
          { 'data-check': check.check, 'data-status': check.status },
          `${checkName(app, check.check)}${app.t('review.colon')}${app.t(`check.${check.status}` as MessageKey)}`,
          check.note ? ` · ${app.text(check.note)}` : '',
        ),
      ),
    ),
  );
}

/** A level with its label from the item's scale: "4 高于预期". */
function levelText(app: App, packet: EngagementPacket | null, code: string, level: number | undefined): string {
  if (level === undefined) return '—';
  const scale = packet?.scheme.items.find((i) => i.code === code)?.scale;
  const label = packet?.scheme.scales.find((s) => s.code === scale)?.bands.find((b) => b.level === level)?.label;
  return label ? `${level} ${app.text(label)}` : app.tf('review.level', { level });
}

/** An integrity check's name in words (backend/evaluations/integrity.py `check`), else its key. */
function checkName(app: App, check: string): string {
  const key = `checkName.${check}`;
  return isMessageKey(key) ? app.t(key) : check;
}

type EvidenceRow = { link: { evidence_id: string; item: string | null }; record: EvidenceRecord | null };

/** The site, its geofence, the GPS fixes (with accuracy) and where each photo was taken. */
function plotSection(app: App, site: FieldSite, evaluation: Evaluation, evidence: EvidenceRow[]): HTMLElement {
  const origin = site.location;
  const fixes = evaluation.content.gps_fixes;
  const captures = evidence.filter((e) => e.record?.capture).map((e) => ({ id: e.link.evidence_id, ...(e.record?.capture as NonNullable<EvidenceRecord['capture']>) }));
  const frame = plotFrame(origin, site.geofence_radius_m, [...fixes, ...captures]);
  const c = frame.toPlot(origin);
  const plot = svg(
    'svg',
    { id: 'review-plot', viewBox: `0 0 ${frame.size} ${frame.size}`, role: 'img', 'aria-label': app.t('review.plot'), class: 'plot' },
    svg('rect', { x: 0, y: 0, width: frame.size, height: frame.size, class: 'plot__bg' }),
    svg('circle', { cx: c.x, cy: c.y, r: frame.scale(site.geofence_radius_m), class: 'plot__fence', 'data-geofence': site.geofence_radius_m }),
    svg('path', { d: `M${c.x - 6},${c.y} h12 M${c.x},${c.y - 6} v12`, class: 'plot__site' }),
    fixes.map((fix, i) => {
      const p = frame.toPlot(fix);
      return svg(
        'g',
        { 'data-fix': i },
        svg('circle', { cx: p.x, cy: p.y, r: Math.max(frame.scale(Math.min(fix.accuracy_m, 2_000)), 2), class: 'plot__accuracy' }),
        svg('circle', { cx: p.x, cy: p.y, r: 3.5, class: 'plot__fix' }),
        svg('text', { x: p.x + 5, y: p.y - 5, class: 'plot__label' }, String(i + 1)),
      );
    }),
    captures.map((capture, i) => {
      const p = frame.toPlot(capture);
      return svg('rect', { x: p.x - 4, y: p.y - 4, width: 8, height: 8, class: 'plot__photo', 'data-photo-point': capture.id }, svg('title', {}, `${app.t('review.photoPoint')} ${i + 1}`));
    }),
  );
  const farthest = fixes.reduce((max, fix) => {
    const { x, y } = localMetres(origin, fix);
    return Math.max(max, Math.hypot(x, y));
  }, 0);
  return h(
    'section',
    { class: 'card stack', id: 'review-map' },
    h('h3', null, app.t('review.plot')),
    plot,
    h('p', { class: 'hint' }, app.tf('review.plotLegend', { radius: formatMetres(site.geofence_radius_m), farthest: formatMetres(farthest), fixes: fixes.length, photos: captures.length })),
  );
}

function timelineSection(app: App, evaluation: Evaluation, evidence: EvidenceRow[]): HTMLElement {
  const rows: { at: string; text: string; kind: string }[] = [];
  const c = evaluation.content;
  if (c.started_at) rows.push({ at: c.started_at, text: app.t('review.tlStart'), kind: 'start' });
  c.gps_fixes.forEach((fix, i) => rows.push({ at: fix.captured_at, text: app.tf('review.tlFix', { n: i + 1, accuracy: Math.round(fix.accuracy_m) }), kind: 'fix' }));
  for (const e of evidence) {
    if (!e.record?.captured_at) continue;
    const text = e.link.item === null ? app.t('review.tlPhotoGeneral') : app.tf('review.tlPhoto', { item: e.link.item });
    rows.push({ at: e.record.captured_at, text, kind: 'photo' });
  }
  if (c.ended_at) rows.push({ at: c.ended_at, text: app.t('review.tlEnd'), kind: 'end' });
  for (const event of evaluation.events) {
    // The first event records the creation (to draft, from nothing): "created", not "draft".
    const what = event.from_status === null ? app.t('review.tlCreated') : app.t(`evaluationStatus.${event.to_status}` as MessageKey);
    rows.push({ at: event.at, text: `${what}${event.comment ? `${app.t('review.colon')}${event.comment}` : ''}`, kind: 'event' });
  }
  rows.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return h(
    'section',
    { class: 'card stack', id: 'review-timeline' },
    h('h3', null, app.t('review.timeline')),
    h('ol', { class: 'timeline' }, rows.map((row) => h('li', { 'data-kind': row.kind }, h('time', { datetime: row.at }, formatTime(row.at, app.i18n.locale)), ' ', row.text))),
  );
}

function photosSection(app: App, evidence: EvidenceRow[]): HTMLElement {
  const list = h('ul', { class: 'photos photos--large', id: 'review-photos' });
  for (const { link } of evidence) {
    const caption = link.item === null ? app.t('review.photoGeneral') : app.tf('review.photoItem', { item: link.item });
    const img = h('img', { alt: caption, width: 160, height: 160, loading: 'lazy' });
    const item = h('li', { 'data-evidence-id': link.evidence_id }, img, h('span', { class: 'muted', 'data-photo-caption': '' }, caption));
    // Through apiFetch, so a paired device's bearer token works too (an <img src> sends cookies only).
    void apiFetch<Blob>('GET', `/api/evidence/${link.evidence_id}/thumbnail`).then(
      (r) => {
        if (r.data instanceof Blob) {
          img.src = URL.createObjectURL(r.data);
          item.dataset['loaded'] = 'true';
          img.addEventListener('click', () => {
            void apiFetch<Blob>('GET', `/api/evidence/${link.evidence_id}/display`).then((d) => {
              if (d.data instanceof Blob) window.open(URL.createObjectURL(d.data), '_blank', 'noopener');
            });
          });
        }
      },
      () => undefined,
    );
    list.append(item);
  }
  return h('section', { class: 'card stack' }, h('h3', null, app.tf('review.photos', { n: evidence.length })), list);
}

/** Why there is no review action for this user, in plain words (`review.reason`). */
function noActionText(app: App, reason: string | null | undefined, status: string): string {
  const key = `review.none.${reason ?? 'status'}`;
  if (reason === 'status' || !isMessageKey(key)) {
    return app.tf('review.none.status', { status: app.t(`evaluationStatus.${status}` as MessageKey) });
  }
  return app.t(key);
}

/** A review the server refused anyway (a stale screen), in plain words by its code. */
function refusalText(app: App, error: unknown): { code: string; text: string } {
  if (error instanceof NetworkError) return { code: 'NETWORK', text: app.t('review.refused.network') };
  if (!(error instanceof ApiError)) return { code: 'CLIENT_ERROR', text: errorText(error) };
  const details = typeof error.details === 'object' && error.details !== null ? (error.details as Record<string, unknown>) : {};
  switch (error.code) {
    case 'FORBIDDEN': {
      const reason = typeof details['reason'] === 'string' ? details['reason'] : 'role';
      return { code: error.code, text: noActionText(app, reason, '') };
    }
    case 'INVALID_TRANSITION': {
      const status = typeof details['status'] === 'string' ? details['status'] : '';
      return { code: error.code, text: app.tf('review.refused.transition', { status: status ? app.t(`evaluationStatus.${status}` as MessageKey) : '—' }) };
    }
    case 'PRECONDITION_FAILED':
      return { code: error.code, text: app.t('review.refused.changed') };
    case 'CONFLICT_OF_INTEREST':
      return { code: error.code, text: app.t('review.refused.conflictOfInterest') };
    default:
      return { code: error.code, text: error.message };
  }
}

function actionsSection(app: App, evaluation: Evaluation, etag: string | null): HTMLElement {
  const section = h('section', { class: 'card stack', id: 'review-actions' });
  const message = h('p', { id: 'review-message', role: 'status' });
  let current = evaluation;
  let currentEtag = etag;

  /** Read the evaluation again after a refusal: its status and the actions now allowed. */
  const reload = async (): Promise<void> => {
    try {
      const fresh = await apiFetch<Evaluation>('GET', `/api/evaluations/${evaluation.id}`);
      current = fresh.data;
      currentEtag = fresh.etag;
      document.getElementById('review-status')?.setAttribute('data-status', current.status);
    } catch {
      // Keep what is shown; the message says what happened.
    }
    draw();
  };

  const draw = (): void => {
    // Exactly what the server says this user may do now (backend/evaluations/actions.py).
    const allowed = current.review?.actions ?? [];
    section.dataset['actions'] = allowed.join(' ');
    if (!allowed.length) {
      const reason = current.review?.reason ?? 'status';
      replace(
        section,
        h('h3', null, app.t('review.decide')),
        h('p', { class: 'hint', id: 'review-no-actions', 'data-reason': reason }, noActionText(app, reason, current.status)),
        message,
      );
      return;
    }
    const comment = h('textarea', { id: 'review-comment', rows: 3, placeholder: app.t('review.commentHint'), maxlength: 20000 });
    const buttons = allowed.map((action) => {
      const button = h('button', { id: `review-${action}`, type: 'button', class: `button ${action === 'accept' ? 'button--primary' : ''}` }, app.t(`review.action.${action}` as MessageKey));
      button.addEventListener('click', () => {
        if (action !== 'accept' && !comment.value.trim()) {
          message.className = 'error';
          message.textContent = app.t('review.commentRequired');
          comment.focus();
          return;
        }
        for (const b of buttons) b.disabled = true;
        apiFetch<Evaluation>('POST', `/api/evaluations/${evaluation.id}/review`, {
          json: { action, comment: comment.value.trim() || null },
          ...(currentEtag ? { ifMatch: currentEtag } : {}),
        }).then(
          (r) => {
            message.className = 'success';
            message.dataset['done'] = action;
            delete message.dataset['code'];
            message.textContent = app.tf('review.done', { status: app.t(`evaluationStatus.${r.data.status}` as MessageKey) });
            document.getElementById('review-status')?.setAttribute('data-status', r.data.status);
            current = r.data;
            currentEtag = r.etag ?? currentEtag;
            draw();
          },
          (error: unknown) => {
            const refused = refusalText(app, error);
            message.className = 'error';
            message.dataset['code'] = refused.code;
            message.textContent = refused.text;
            if (refused.code === 'NETWORK') {
              for (const b of buttons) b.disabled = false;
              return;
            }
            void reload();
          },
        );
      });
      return button;
    });
    replace(section, h('h3', null, app.t('review.decide')), comment, h('div', { class: 'actions' }, buttons), message);
  };
  draw();
  return section;
}
