/**
 * `#/onsite` (auditors, team leaders): the audit on site, on a phone with no network.
 *
 * - `#/onsite`: the engagements whose team the user is on, with a management audit (Tengbiao
 *   §5.2, Annexes 2–4) and/or a conformity audit with timing rows (CQC §5.2.3, annex tables);
 *   the records on this phone and where each stands.
 * - `#/onsite/new/<engagement>/<kind>`: a new record under an id made here.
 * - `#/onsite/new/<engagement>/document_review`: the document review's conclusion (§5.1.4),
 *   recorded by an auditor of the team (document-review.ts).
 * - `#/onsite/edit/<id>`: the record: per clause the five levels with their Annex 2 texts, or the
 *   table 2 judgements with their criteria; timing rows; the running total and level, or the
 *   chapter means and final score, computed here from the cached form (rules.ts). Save keeps it
 *   on the phone; submit queues it (store.ts), and the outbox sends it exactly once.
 */
import { cachedGet } from '../data/cache';
import { apiFetch } from '../data/api';
import { packetPath } from '../ui/context';
import type { StoredOnsiteRecord } from '../data/types';
import type { MessageKey } from '../i18n';
import type { App, Screen } from '../ui/app';
import { h, replace } from '../ui/h';
import {
  conformityScore,
  differenceSeconds,
  managementTotal,
  suggestedJudgement,
  type Bilingual,
  type OnsiteForm,
  type TimingRowInput,
} from './rules';
import { pairMode, pairScheme, pairScreen, pairsScreen, ratingFields, startRating } from './pairs';
import { documentReviewScreen, emptyDocumentReview } from './document-review';
import { photoField, warmPosition } from './evidence';
import { reviewScreen } from './review';
import { saveAndSubmit } from './actions';
import { getOnsite, listOnsite, newId, pullReturned, resolveConflict, saveOnsite } from './store';
import { EDITABLE_STATUSES } from '../shared/outcome';

interface EngagementItem {
  id: string;
  title: string;
  status: string;
}

const formPath = (engagementId: string): string => `/api/engagements/${engagementId}/onsite-form`;

function en(app: App): boolean {
  return app.i18n.locale.startsWith('en');
}
function T(app: App, text: Bilingual | null | undefined): string {
  return text ? (en(app) ? text.en : text.zh) : '';
}

const STATE_LABELS: Record<StoredOnsiteRecord['state'], MessageKey> = {
  draft: 'onsite.state.draft',
  queued: 'onsite.state.queued',
  sent: 'onsite.state.sent',
  blocked: 'onsite.state.blocked',
};

function KIND_LABEL(app: App, kind: StoredOnsiteRecord['kind']): string {
  if (kind === 'management') return app.t('onsite.managementAudit');
  if (kind === 'conformity') return app.t('onsite.conformityAudit');
  if (kind === 'document_review') return app.t('onsite.docReview.title');
  return app.t('onsite.twoRatersMyRatings');
}

export const onsiteScreen: Screen = async (app, root, params) => {
  const [action, a, b] = params;
  if (action === 'new' && a && (b === 'management' || b === 'conformity' || b === 'document_review')) {
    const id = newId();
    const content = b === 'management' ? { clauses: {}, exemption: null, notes: '' } : b === 'conformity' ? { clauses: {}, timing: [], notes: '' } : emptyDocumentReview();
    await saveOnsite({ id, engagementId: a, kind: b, content });
    app.navigate(`#/onsite/edit/${id}`);
    return;
  }
  if (action === 'review' && a) {
    await reviewScreen(app, root, a);
    return;
  }
  if (action === 'pairs' && a) {
    await pairsScreen(app, root, a);
    return;
  }
  if (action === 'pair' && a) {
    await pairScreen(app, root, a);
    return;
  }
  if (action === 'rate' && a) {
    await startRating(app, a);
    return;
  }
  if (action === 'edit' && a) {
    await recordScreen(app, root, a);
    return;
  }
  await listScreen(app, root);
};

async function listScreen(app: App, root: HTMLElement): Promise<void> {
  const title = app.t('onsite.auditOnSite');
  replace(root, h('h2', null, title), h('p', { class: 'hint' }, app.t('common.loading')));
  let engagements: EngagementItem[] = [];
  try {
    engagements = (await cachedGet<EngagementItem[]>('/api/engagements')).data;
  } catch {
    engagements = [];
  }
  const open = engagements.filter((e) => !['decided', 'closed', 'cancelled'].includes(e.status));
  const forms = await Promise.all(
    open.map((e) =>
      cachedGet<OnsiteForm>(formPath(e.id)).then(
        (r) => r.data,
        () => null,
      ),
    ),
  );
  // Warm the cache for offline use: the rater pairs and the items a rater rates (pairs.ts).
  for (const e of open) {
    void cachedGet(`/api/engagements/${e.id}/rater-pairs`).catch(() => undefined);
    void cachedGet(packetPath(e.id)).catch(() => undefined);
  }
  // Records the team leader returned come back to this phone to be corrected (needs the network).
  if (app.me) await pullReturned(open.map((e) => e.id), app.me.id).catch(() => []);
  // The two-rater actions (a pairing, a reconciliation) show on the pair screens, not here.
  const mine = (await listOnsite()).filter((r) => r.kind !== 'rater_pair' && r.kind !== 'reconciliation');
  const records = mine.length
    ? h(
        'section',
        { class: 'stack', id: 'onsite-records' },
        h('h3', null, app.t('onsite.recordsOnThisPhone')),
        h(
          'ul',
          { class: 'list' },
          mine.map((r) => {
            const engagement = open.find((e) => e.id === r.engagementId);
            const kind = KIND_LABEL(app, r.kind);
            return h(
              'li',
              { class: 'card', 'data-onsite-id': r.id, 'data-state': r.state },
              h('a', { href: `#/onsite/edit/${r.id}`, class: 'link-block' }, h('strong', null, kind), ' ', h('span', { class: 'chip' }, r.returned && r.state === 'draft' ? app.t('onsite.returnedCorrectIt') : app.t(STATE_LABELS[r.state])), h('br'), h('span', { class: 'muted' }, engagement?.title ?? r.engagementId)),
            );
          }),
        ),
      )
    : null;
  const list = h(
    'ul',
    { class: 'list', id: 'onsite-engagements' },
    open.map((e, i) => {
      const form = forms[i];
      if (!form) return null;
      return h(
        'li',
        { class: 'card stack', 'data-engagement-id': e.id },
        h('h3', null, e.title),
        h('p', { class: 'muted' }, T(app, form.scheme.title)),
        h('a', { class: 'button button--block', href: `#/onsite/new/${e.id}/document_review`, 'data-start': 'document_review' }, app.t('onsite.docReview.start')),
        form.management ? h('a', { class: 'button button--block', href: `#/onsite/new/${e.id}/management`, 'data-start': 'management' }, app.t('onsite.startAManagementAudit')) : null,
        form.conformity ? h('a', { class: 'button button--block', href: `#/onsite/new/${e.id}/conformity`, 'data-start': 'conformity' }, app.t('onsite.startAConformityAudit')) : null,
        form.management || form.conformity ? h('a', { class: 'button button--block', href: `#/onsite/pairs/${e.id}`, 'data-pairs-engagement': e.id }, app.t('onsite.twoRatersPairRateReconcile')) : null,
        app.me?.role === 'team_leader' ? h('a', { class: 'button button--block', href: `#/onsite/review/${e.id}`, 'data-review-engagement': e.id }, app.t('onsite.reviewSubmittedRecords')) : null,
      );
    }),
  );
  replace(root, h('h2', null, title), records, list);
}

async function recordScreen(app: App, root: HTMLElement, id: string): Promise<void> {
  const record = await getOnsite(id);
  if (!record) {
    replace(root, h('h2', null, app.t('onsite.auditOnSite')), h('p', { class: 'error', role: 'alert' }, app.t('onsite.thisRecordIsNotOn')));
    return;
  }
  if (record.kind === 'pair_rating') {
    await pairRatingScreen(app, root, record);
    return;
  }
  if (record.kind === 'rater_pair' || record.kind === 'reconciliation') {
    app.navigate(record.kind === 'rater_pair' ? `#/onsite/pairs/${record.engagementId}` : `#/onsite/pair/${String(record.content['pair_id'])}`);
    return;
  }
  followRecord(app, record);
  if (record.kind === 'document_review') {
    documentReviewScreen(app, root, record, KIND_LABEL(app, record.kind), h('p', { id: 'onsite-state', class: 'chip', 'data-state': record.state }, app.t(STATE_LABELS[record.state])));
    return;
  }
  let form: OnsiteForm;
  try {
    form = (await cachedGet<OnsiteForm>(formPath(record.engagementId))).data;
  } catch {
    replace(root, h('p', { class: 'error', role: 'alert' }, app.t('onsite.formNotCached')));
    return;
  }
  const content = structuredClone(record.content) as Record<string, unknown>;
  const clauses = (content['clauses'] ??= {}) as Record<string, Record<string, unknown>>;
  const readOnly = record.state === 'queued' || record.state === 'sent' || Boolean(record.conflict);
  if (!readOnly) warmPosition();
  const summary = h('div', { class: 'card', id: 'onsite-summary', 'aria-live': 'polite' });
  const status = h('p', { id: 'onsite-state', class: 'chip', 'data-state': record.state }, record.conflict ? app.t('onsite.conflict.title') : record.returned && record.state === 'draft' ? app.t('onsite.returnedBeingCorrectedHere') : app.t(STATE_LABELS[record.state]));
  const problems = h('div', { id: 'onsite-problems', role: 'alert' });

  const body: HTMLElement[] = [];
  // A photo is stored at once; the record is saved with it so the link is never lost.
  const persist = async (): Promise<void> => {
    await saveOnsite({ id: record.id, engagementId: record.engagementId, kind: record.kind, content });
  };
  const photos = (entry: Record<string, unknown>, code: string): HTMLElement => photoField(app, record.id, code, (entry['evidence'] ??= []) as string[], readOnly, persist);
  let refresh: () => void = () => undefined;
  let validate: () => string[] = () => [];
  if (record.kind === 'management' && form.management) {
    const m = form.management;
    refresh = () => {
      const levels: Record<string, number | null> = {};
      for (const c of m.clauses) levels[c.code] = (clauses[c.code]?.['level'] as number | null | undefined) ?? null;
      const r = managementTotal(m, levels);
      replace(
        summary,
        h('p', null, app.t('onsite.managementTotal'), h('strong', { id: 'onsite-total' }, String(r.total)), ` / ${m.total_points}`),
        h('p', null, app.t('onsite.level'), h('strong', { id: 'onsite-level' }, r.level === null ? '—' : String(r.level)), r.missing.length ? h('span', { class: 'muted', id: 'onsite-provisional' }, app.tf('onsite.provisional', { n: r.missing.length })) : null),
      );
    };
    for (const c of m.clauses) {
      const entry = (clauses[c.code] ??= { level: null, note: '', evidence: [] });
      const options = [1, 2, 3, 4, 5].map((level) => {
        const input = h('input', { type: 'radio', name: `level-${c.code}`, value: String(level), checked: entry['level'] === level, disabled: readOnly, 'data-clause': c.code, 'data-level': level });
        input.addEventListener('change', () => {
          entry['level'] = level;
          refresh();
        });
        return h('label', { class: 'choice' }, input, ` ${level}（${c.points_by_level[level - 1] ?? ''} ${app.t('onsite.pt')}）`, c.levels[level - 1] ? h('details', null, h('summary', null, app.t('onsite.annex2')), h('p', { class: 'muted' }, T(app, c.levels[level - 1]))) : null);
      });
      const note = h('textarea', { rows: 2, 'data-note': c.code, disabled: readOnly, placeholder: app.t('onsite.evidenceAndNotes') }, String(entry['note'] ?? ''));
      note.addEventListener('input', () => (entry['note'] = note.value));
      body.push(h('fieldset', { class: 'card stack', 'data-clause-card': c.code }, h('legend', null, `${c.code} ${T(app, c.title)}`), ...options, note, photos(entry, c.code)));
    }
    body.unshift(exemptionCard(app, content, m.exemption_note, readOnly, record.id, persist));
  } else if (record.kind === 'conformity' && form.conformity) {
    const cf = form.conformity;
    const timing = form.timing;
    const rows = (content['timing'] ??= []) as TimingRowInput[];
    const hints = new Map<string, HTMLElement>();
    refresh = () => {
      const judged: Record<string, string | null> = {};
      for (const c of cf.clauses) judged[c.code] = (clauses[c.code]?.['judgement'] as string | null | undefined) ?? null;
      const s = conformityScore(cf, judged);
      replace(
        summary,
        h('p', null, app.t('onsite.chapters'), Object.entries(s.chapters).map(([k, v]) => `${k}: ${v.toFixed(2)}`).join('；') || '—'),
        h('p', null, app.t('onsite.finalScore'), h('strong', { id: 'onsite-final' }, s.final === null ? '—' : s.final.toFixed(2)), s.passed === null ? '' : s.passed ? app.t('onsite.passed') : app.t('onsite.notPassed')),
        s.unjudged.length ? h('p', { class: 'muted' }, app.tf('onsite.notJudged', { clauses: s.unjudged.join(app.t('onsite.listSeparator')) })) : null,
      );
      if (timing) {
        for (const [clause, el] of hints) {
          const hint = suggestedJudgement(timing, rows, clause);
          const label = cf.judgements.find((j) => j.code === hint)?.label;
          replace(el, hint ? app.tf('onsite.timingSuggests', { label: T(app, label) }) : '');
          el.dataset['suggested'] = hint ?? '';
        }
      }
    };
    const criteria = h('details', { class: 'card' }, h('summary', null, app.t('onsite.table2Criteria')), h('ul', null, cf.judgements.map((j) => h('li', null, `${T(app, j.label)} = ${j.points} ${app.t('onsite.pt')}${j.requires_suggestion ? app.t('onsite.needsAWrittenImprovementSuggestion') : ''}${j.opens_nonconformity ? app.t('onsite.opensANonconformity') : ''}`))));
    body.push(criteria);
    for (const c of cf.clauses) {
      const entry = (clauses[c.code] ??= { judgement: null, suggestion: '', finding: '', reason: '', rectified: false, note: '', evidence: [] });
      const hint = h('p', { class: 'hint', 'data-hint': c.code });
      hints.set(c.code, hint);
      const text = (key: string, label: string): HTMLTextAreaElement => {
        const area = h('textarea', { rows: 2, 'data-field': `${c.code}.${key}`, disabled: readOnly, placeholder: label, 'aria-label': label }, String(entry[key] ?? ''));
        area.addEventListener('input', () => (entry[key] = area.value));
        return area;
      };
      const options = cf.judgements.map((j) => {
        const input = h('input', { type: 'radio', name: `judgement-${c.code}`, value: j.code, checked: entry['judgement'] === j.code, disabled: readOnly, 'data-clause': c.code, 'data-judgement': j.code });
        input.addEventListener('change', () => {
          entry['judgement'] = j.code;
          refresh();
        });
        return h('label', { class: 'choice' }, input, ` ${T(app, j.label)}（${j.points}）`);
      });
      const table = timing?.tables.find((t) => t.clause === c.code);
      const tableBox = table ? timingTable(app, table, rows, c.code, readOnly, record.engagementId, refresh) : null;
      body.push(
        h(
          'fieldset',
          { class: 'card stack', 'data-clause-card': c.code },
          h('legend', null, `${c.code} ${T(app, c.title)}`),
          ...options,
          hint,
          text('suggestion', app.t('onsite.partialWrittenImprovementSuggestion')),
          text('finding', app.t('onsite.nonconformityTheFinding')),
          text('reason', app.t('onsite.reasonWhenOverridingTheSuggestion')),
          photos(entry, c.code),
          tableBox,
        ),
      );
    }
    validate = () => {
      const out: string[] = [];
      for (const c of cf.clauses) {
        const e = clauses[c.code] ?? {};
        const j = cf.judgements.find((x) => x.code === e['judgement']);
        if (!j) continue;
        if (j.requires_suggestion && !String(e['suggestion'] ?? '').trim()) out.push(app.tf('onsite.needSuggestion', { clause: c.code }));
        if (j.opens_nonconformity && !String(e['finding'] ?? '').trim()) out.push(app.tf('onsite.needFinding', { clause: c.code }));
        const hint = timing ? suggestedJudgement(timing, rows, c.code) : null;
        if (hint && hint !== j.code && !String(e['reason'] ?? '').trim()) out.push(app.tf('onsite.needReason', { clause: c.code }));
      }
      for (const r of rows) {
        const d = differenceSeconds(r.received, r.sent);
        if (!r.item.trim()) out.push(app.t('onsite.timingRowNoItem'));
        if (d === null) out.push(app.tf('onsite.needDateTime', { item: r.item }));
        else if (d < 0) out.push(app.tf('onsite.sentBeforeReceived', { item: r.item }));
      }
      return out;
    };
  }

  if (record.kind === 'management') {
    validate = () => {
      const ex = content['exemption'] as Record<string, unknown> | null | undefined;
      return ex && !ex['certificate_evidence'] ? [app.t('onsite.exemptionNeedsCertificate')] : [];
    };
  }
  const buttons = saveAndSubmit(app, record, content, {
    readOnly,
    saveLabel: app.t('onsite.saveOnThisPhone'),
    submitLabel: app.t('onsite.submitForReview'),
    check: () => {
      const found = validate();
      replace(problems, found.length ? h('ul', { class: 'error' }, found.map((p) => h('li', null, p))) : '');
      return found.length === 0;
    },
  });
  refresh();
  replace(
    root,
    h('h2', null, KIND_LABEL(app, record.kind)),
    h('p', { class: 'muted' }, form.title),
    status,
    record.conflict ? conflictCard(app, record, form) : record.error ? h('p', { class: 'error', role: 'alert' }, record.error.message) : null,
    record.returned ? h('div', { class: 'card', id: 'onsite-returned', role: 'status' }, h('strong', null, app.t('onsite.returnedByTheTeamLeader')), h('p', null, record.returned.comment ?? '—')) : null,
    summary,
    ...body,
    problems,
    buttons,
  );
}

function timingTable(app: App, table: NonNullable<OnsiteForm['timing']>['tables'][number], rows: TimingRowInput[], clause: string, readOnly: boolean, engagementId: string, changed: () => void): HTMLElement {
  const list = h('div', { class: 'stack', 'data-timing-rows': clause });
  const draw = (): void => {
    replace(
      list,
      rows
        .filter((r) => r.clause === clause)
        .map((row) => {
          const d = differenceSeconds(row.received, row.sent);
          const result = h('span', { class: 'chip', 'data-result': d === null || d < 0 ? 'invalid' : d <= table.limit_s ? 'conforms' : 'fails' }, d === null ? app.t('onsite.incomplete') : d < 0 ? app.t('onsite.invalidNegative') : `${d.toFixed(3).replace(/\.?0+$/, '')} s ≤ ${table.limit_s} s ? ${d <= table.limit_s ? app.t('onsite.conforms') : app.t('onsite.fails')}`);
          const field = (key: 'item' | 'received' | 'sent', label: string): HTMLInputElement => {
            const input = h('input', { type: 'text', value: row[key], disabled: readOnly, 'aria-label': label, placeholder: label, 'data-row-field': key });
            input.addEventListener('change', () => {
              row[key] = input.value;
              draw();
              changed();
            });
            return input;
          };
          return h('div', { class: 'card', 'data-row-id': row.id }, field('item', app.t('onsite.itemLocation')), field('received', app.t('onsite.receivedExample')), field('sent', app.t('onsite.sent')), result);
        }),
    );
  };
  const add = h('button', { type: 'button', class: 'button', 'data-add-row': clause, disabled: readOnly }, app.t('onsite.addARow'));
  add.addEventListener('click', () => {
    rows.push({ id: crypto.randomUUID(), clause, item: '', received: '', sent: '', note: '' });
    draw();
    changed();
  });
  const csv = h('textarea', { rows: 3, 'data-csv': clause, disabled: readOnly, placeholder: app.t('onsite.csvPaste') });
  const preview = h('div', { 'data-csv-preview': clause });
  const load = h('button', { type: 'button', class: 'button', disabled: readOnly }, app.t('onsite.previewImportOnline'));
  load.addEventListener('click', () => {
    void apiFetch<{ rows: { item: string; received: string; sent: string; clause: string }[]; refused: { line: number; reason: string }[] }>('POST', `/api/engagements/${engagementId}/timing-import`, { json: { csv: csv.value, clause } }).then(
      ({ data }) => {
        const take = h('button', { type: 'button', class: 'button' }, app.tf('onsite.addRows', { n: data.rows.length }));
        take.addEventListener('click', () => {
          for (const r of data.rows) rows.push({ id: crypto.randomUUID(), clause, item: r.item, received: r.received, sent: r.sent, note: '' });
          replace(preview, '');
          draw();
          changed();
        });
        replace(preview, h('p', null, app.tf('onsite.importPreview', { rows: data.rows.length, refused: data.refused.length })), h('ul', { class: 'error' }, data.refused.map((r) => h('li', null, app.tf('onsite.csvRefusedLine', { line: r.line, reason: r.reason })))), take);
      },
      () => replace(preview, h('p', { class: 'error' }, app.t('onsite.noPreviewTryAgainOnline'))),
    );
  });
  draw();
  return h('section', { class: 'stack' }, h('h4', null, `${table.table} ${T(app, table.title)}`), h('p', { class: 'muted' }, T(app, table.requirement)), list, add, h('details', null, h('summary', null, app.t('onsite.importACsv')), csv, load, preview));
}

/** A rater's own ratings in a two-rater pair (seed 003), kept and sent like every record. */
async function pairRatingScreen(app: App, root: HTMLElement, record: StoredOnsiteRecord): Promise<void> {
  const mode = await pairMode(record.engagementId, String(record.content['pair_id'] ?? ''));
  const found = await pairScheme(record.engagementId, mode);
  const scheme = found?.scheme;
  if (!found || !scheme) {
    replace(root, h('p', { class: 'error', role: 'alert' }, app.t('onsite.itemsNotCached')));
    return;
  }
  const content = structuredClone(record.content) as Record<string, unknown>;
  const readOnly = record.state === 'queued' || record.state === 'sent';
  const count = h('p', { id: 'pair-rated', 'aria-live': 'polite' });
  const refresh = (): void => {
    const n = Object.keys((content['ratings'] ?? {}) as object).length;
    replace(count, app.tf('onsite.ratedCount', { n, total: items.length }));
    count.dataset['rated'] = String(n);
  };
  const fields = ratingFields(app, scheme, content, readOnly, refresh);
  const items = scheme.items;
  const problems = h('div', { id: 'onsite-problems', role: 'alert' });
  const buttons = saveAndSubmit(app, record, content, {
    readOnly,
    saveLabel: app.t('onsite.saveOnThisPhone'),
    submitLabel: app.t('onsite.submitFinal'),
    check: () => {
      const none = Object.keys((content['ratings'] ?? {}) as object).length === 0;
      replace(problems, none ? h('p', { class: 'error' }, app.t('onsite.rateAtLeastOneItem')) : '');
      return !none;
    },
  });
  refresh();
  replace(
    root,
    h('h2', null, KIND_LABEL(app, record.kind)),
    h('p', { id: 'onsite-state', class: 'chip', 'data-state': record.state }, app.t(STATE_LABELS[record.state])),
    record.error ? h('p', { class: 'error', role: 'alert' }, record.error.message) : null,
    h('p', { class: 'muted', id: 'pair-items', 'data-mode': mode ?? '', 'data-planned': found.planned ? 'yes' : 'no' }, found.planned ? app.tf('onsite.pairItemsOfMode', { mode: mode ?? '', n: scheme.items.length }) : app.tf('onsite.pairAllItems', { mode: mode ?? '—' })),
    h('p', { class: 'muted' }, app.t('onsite.rateOnYourOwn')),
    count,
    ...fields,
    problems,
    buttons,
    h('p', null, h('a', { href: `#/onsite/pairs/${record.engagementId}` }, app.t('onsite.backToThePairs'))),
  );
}

/**
 * ISO 9001 partial exemption (Tengbiao §5.2.2): a decision recorded with its certificate as the
 * evidence; it never changes the score (the clauses are still rated as found).
 */
function exemptionCard(app: App, content: Record<string, unknown>, note: Bilingual | null | undefined, readOnly: boolean, recordId: string, persist: () => Promise<void>): HTMLElement {
  const box = h('div', { class: 'stack', id: 'exemption-fields' });
  const toggle = h('input', { type: 'checkbox', id: 'exemption-on', checked: content['exemption'] != null, disabled: readOnly });
  const draw = (): void => {
    const ex = content['exemption'] as Record<string, unknown> | null | undefined;
    if (!ex) {
      replace(box, '');
      return;
    }
    const field = (key: string, label: string, type = 'text'): HTMLElement => {
      const input = h('input', { type, id: `exemption-${key}`, value: String(ex[key] ?? ''), disabled: readOnly, placeholder: label, 'aria-label': label });
      input.addEventListener('change', () => (ex[key] = input.value.trim() || (key === 'valid_until' ? null : '')));
      return h('label', { class: 'field' }, h('span', null, label), input);
    };
    const cert = ex['certificate_evidence'] ? [String(ex['certificate_evidence'])] : [];
    const photo = photoField(app, recordId, 'exemption', cert, readOnly, async () => {
      ex['certificate_evidence'] = cert[0] ?? null;
      await persist();
    }, { single: true, label: app.t('onsite.photographTheIso9001Certificate') });
    replace(box, field('certificate_number', app.t('onsite.certificateNumber')), field('valid_until', app.t('onsite.validUntil'), 'date'), field('note', app.t('onsite.theDecision')), photo);
  };
  toggle.addEventListener('change', () => {
    content['exemption'] = toggle.checked ? { certificate_evidence: null, certificate_number: '', valid_until: null, note: '' } : null;
    draw();
  });
  draw();
  return h(
    'fieldset',
    { class: 'card stack', id: 'exemption-card' },
    h('legend', null, app.t('onsite.exemptionTitle')),
    note ? h('p', { class: 'muted' }, T(app, note)) : null,
    h('label', { class: 'choice' }, toggle, app.t('onsite.exemptionToggle')),
    box,
  );
}

/**
 * The correction of a returned record met 412: the record changed on the server since it was
 * returned (replay.ts kept the server's copy). The server's version beside this phone's, and the
 * auditor's choice: re-apply this correction on the server's version (only while the server's
 * record is still theirs to correct), or take the server's version (store.ts resolveConflict).
 */
function conflictCard(app: App, record: StoredOnsiteRecord, form: OnsiteForm): HTMLElement {
  const server = record.conflict as NonNullable<StoredOnsiteRecord['conflict']>;
  const error = h('p', { class: 'error', role: 'alert' });
  const act = (choice: 'mine' | 'server'): void => {
    void resolveConflict(record.id, choice).then(
      () => app.refresh(),
      (e: unknown) => replace(error, String((e as Error).message)),
    );
  };
  const editable = EDITABLE_STATUSES.has(server.status);
  const mine = h('button', { type: 'button', class: 'button button--primary', id: 'conflict-mine', disabled: !editable }, app.tf('onsite.conflict.reapply', { version: server.version }));
  mine.addEventListener('click', () => act('mine'));
  const theirs = h('button', { type: 'button', class: 'button', id: 'conflict-server' }, app.t('onsite.conflict.takeServer'));
  theirs.addEventListener('click', () => act('server'));
  const differences = changedClauses(app, record.content, server.content);
  const status = STATUS_KEYS[server.status];
  return h(
    'section',
    { class: 'card stack card--flagged', id: 'onsite-conflict', role: 'alert', 'data-server-version': String(server.version), 'data-server-status': server.status },
    h('strong', null, app.t('onsite.conflict.title')),
    h('p', null, app.tf('onsite.conflict.server', { version: server.version, status: status ? app.t(status) : server.status })),
    server.comment ? h('p', { class: 'muted' }, app.tf('onsite.conflict.comment', { comment: server.comment })) : null,
    h('p', { id: 'conflict-summary' }, serverSummary(app, record.kind, server.content, form)),
    differences.length ? h('p', { id: 'conflict-differences' }, app.tf('onsite.conflict.differences', { clauses: differences.join(app.t('onsite.listSeparator')) })) : h('p', null, app.t('onsite.conflict.same')),
    editable ? null : h('p', { class: 'muted' }, app.t('onsite.conflict.notEditable')),
    h('div', { class: 'row' }, mine, theirs),
    error,
  );
}

const STATUS_KEYS: Record<string, MessageKey> = {
  draft: 'onsite.status.draft',
  submitted: 'onsite.status.submitted',
  accepted: 'onsite.status.accepted',
  returned: 'onsite.status.returned',
};

/** The clauses whose judgement, level, notes or photos differ between two contents. */
function changedClauses(app: App, a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const ca = (a['clauses'] ?? {}) as Record<string, unknown>;
  const cb = (b['clauses'] ?? {}) as Record<string, unknown>;
  const codes = [...new Set([...Object.keys(ca), ...Object.keys(cb)])].sort();
  const changed = codes.filter((c) => JSON.stringify(ca[c] ?? null) !== JSON.stringify(cb[c] ?? null));
  if (JSON.stringify(a['timing'] ?? null) !== JSON.stringify(b['timing'] ?? null)) changed.push(app.t('onsite.conflict.timingRows'));
  if (JSON.stringify(a['exemption'] ?? null) !== JSON.stringify(b['exemption'] ?? null)) changed.push(app.t('onsite.conflict.exemption'));
  return changed;
}

/** What the server's version scores, computed here as the record screen computes it. */
function serverSummary(app: App, kind: StoredOnsiteRecord['kind'], content: Record<string, unknown>, form: OnsiteForm): string {
  const clauses = (content['clauses'] ?? {}) as Record<string, Record<string, unknown>>;
  if (kind === 'management' && form.management) {
    const levels: Record<string, number | null> = {};
    for (const c of form.management.clauses) levels[c.code] = (clauses[c.code]?.['level'] as number | null | undefined) ?? null;
    const r = managementTotal(form.management, levels);
    return app.tf('onsite.conflict.management', { total: r.total, level: r.level ?? '—' });
  }
  if (kind === 'conformity' && form.conformity) {
    const judged: Record<string, string | null> = {};
    for (const c of form.conformity.clauses) judged[c.code] = (clauses[c.code]?.['judgement'] as string | null | undefined) ?? null;
    const r = conformityScore(form.conformity, judged);
    return app.tf('onsite.conflict.conformity', { final: r.final === null ? '—' : r.final.toFixed(2) });
  }
  return '';
}

/**
 * Draw the record again when the outbox changed where it stands while it is on screen (sent,
 * refused, or a 412 that needs the auditor): a queued record is read-only, so nothing typed is
 * lost.
 */
function followRecord(app: App, record: StoredOnsiteRecord): void {
  app.onSync(() => {
    void getOnsite(record.id).then((now) => {
      if (now && (now.state !== record.state || Boolean(now.conflict) !== Boolean(record.conflict))) app.refresh();
    });
  });
}
