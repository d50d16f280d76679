/**
 * `#/onsite/edit/<id>` for a `document_review` record: the conclusion of the document review
 * (文件审核, CQC rule §5.1) recorded by an auditor of the team on the phone, offline. Its outcome
 * is one of the three of §5.1.4, worded as the rule words them; outcomes 2) and 3) describe the
 * problems found and name what the client must supply (the server's rule,
 * backend/planning/document_reviews.py). Saved on the phone; submitting queues
 * PUT /api/engagements/<engagement>/document-reviews/<id> (store.ts), sent exactly once.
 */
import type { StoredOnsiteRecord } from '../data/types';
import type { MessageKey } from '../i18n';
import type { App } from '../ui/app';
import { h, replace } from '../ui/h';
import { saveAndSubmit } from './actions';

/** §5.1.4 文审结论, in the rule's order. */
export const OUTCOMES: readonly { code: 'fit' | 'fix_during_audit' | 'resubmit'; label: MessageKey }[] = [
  { code: 'fit', label: 'onsite.docReview.fit' },
  { code: 'fix_during_audit', label: 'onsite.docReview.fix' },
  { code: 'resubmit', label: 'onsite.docReview.resubmit' },
];

/** The content of a new document review on the phone. */
export function emptyDocumentReview(): Record<string, unknown> {
  return { outcome: null, findings: '', requested: [] };
}

/** What §5.1.4 asks of a conclusion before it is sent (the server checks the same). */
export function documentReviewProblems(app: App, content: Record<string, unknown>): string[] {
  const outcome = content['outcome'];
  const requested = (content['requested'] as string[] | undefined)?.filter((r) => r.trim()) ?? [];
  if (!OUTCOMES.some((o) => o.code === outcome)) return [app.t('onsite.docReview.needOutcome')];
  const out: string[] = [];
  if (outcome === 'fit' && requested.length) out.push(app.t('onsite.docReview.fitAsksNothing'));
  if (outcome !== 'fit') {
    if (!String(content['findings'] ?? '').trim()) out.push(app.t('onsite.docReview.needFindings'));
    if (!requested.length) out.push(app.t('onsite.docReview.needRequested'));
  }
  return out;
}

export function documentReviewScreen(app: App, root: HTMLElement, record: StoredOnsiteRecord, title: string, stateChip: HTMLElement): void {
  const content = structuredClone(record.content);
  const readOnly = record.state === 'queued' || record.state === 'sent';
  const options = OUTCOMES.map((o, i) => {
    const input = h('input', { type: 'radio', name: 'doc-outcome', value: o.code, checked: content['outcome'] === o.code, disabled: readOnly, 'data-outcome': o.code });
    input.addEventListener('change', () => {
      content['outcome'] = o.code;
      if (o.code === 'fit') {
        content['requested'] = [];
        requested.value = '';
      }
      details.hidden = o.code === 'fit';
    });
    return h('label', { class: 'choice' }, input, ` ${i + 1}) ${app.t(o.label)}`);
  });
  const findings = h('textarea', { rows: 3, id: 'doc-findings', disabled: readOnly, placeholder: app.t('onsite.docReview.findingsHint'), 'aria-label': app.t('onsite.docReview.findings') }, String(content['findings'] ?? ''));
  findings.addEventListener('input', () => {
    content['findings'] = findings.value;
    recheck();
  });
  const requested = h('textarea', { rows: 3, id: 'doc-requested', disabled: readOnly, placeholder: app.t('onsite.docReview.requestedHint'), 'aria-label': app.t('onsite.docReview.requested') }, ((content['requested'] as string[] | undefined) ?? []).join('\n'));
  requested.addEventListener('input', () => {
    content['requested'] = requested.value.split('\n').map((r) => r.trim()).filter(Boolean);
    recheck();
  });
  const details = h(
    'div',
    { class: 'stack' },
    h('label', { class: 'field' }, h('span', null, app.t('onsite.docReview.findings')), findings),
    h('label', { class: 'field' }, h('span', null, app.t('onsite.docReview.requested')), requested),
  );
  details.hidden = content['outcome'] === 'fit' || content['outcome'] == null;
  const problems = h('div', { id: 'onsite-problems', role: 'alert' });
  const show = (found: string[]): void => replace(problems, found.length ? h('ul', { class: 'error' }, found.map((p) => h('li', null, p))) : '');
  // Once problems are shown, they follow what is typed (a fixed one goes away).
  function recheck(): void {
    if (problems.childElementCount > 0) show(documentReviewProblems(app, content));
  }
  const buttons = saveAndSubmit(app, record, content, {
    readOnly,
    saveLabel: app.t('onsite.saveHere'),
    submitLabel: app.t('onsite.docReview.submit'),
    check: () => {
      const found = documentReviewProblems(app, content);
      show(found);
      return found.length === 0;
    },
  });
  replace(
    root,
    h('h2', null, title),
    stateChip,
    record.error ? h('p', { class: 'error', role: 'alert' }, record.error.message) : null,
    h('p', { class: 'muted' }, app.t('onsite.docReview.intro')),
    h('fieldset', { class: 'card stack', id: 'doc-outcomes' }, h('legend', null, app.t('onsite.docReview.outcome')), ...options),
    details,
    problems,
    buttons,
    h('p', null, h('a', { href: '#/onsite' }, app.t('onsite.backToList'))),
  );
}
