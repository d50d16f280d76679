/**
 * `#/assignments` (shoppers): each assignment with its site, window, a map link, status and
 * the state of the phone's draft; the list comes from the server when online and from the
 * cache offline, and follows the outbox live (a visit sent while the list is open shows as
 * sent). `#/assignments/<id>` (a push notification's link) opens that visit.
 *
 * Before a NEW visit starts, the assignment's status is asked of the server again (when
 * online): another phone may have submitted it since the list was loaded, and one assignment
 * is recorded once (docs/sync.md).
 */

import { cachedGet } from '../../data/cache';
import { draftForAssignment, newDraft, type VisitDraft } from '../../data/drafts';
import { refreshReturned } from '../../data/sync';
import type { MessageKey } from '../../i18n';
import { modeLabel, type App, type Screen } from '../app';
import { overtaken, startRefusal, type StartRefusal } from '../assignment-rules';
import { formatDateTime, formatWindow, mapLinks } from '../format';
import { h, replace } from '../h';
import type { FieldAssignment } from '../types';

import { MY_ASSIGNMENTS, loadScales } from '../context';
export { MY_ASSIGNMENTS };

/**
 * Open the assignment's draft, creating it on first use (its id becomes the evaluation id).
 * A new visit starts only if the server (asked now, when online) still expects one; otherwise
 * resolves with why not and the assignment as the server now has it.
 */
export async function openAssignment(
  app: App,
  assignment: FieldAssignment,
): Promise<{ refused: StartRefusal; fresh: FieldAssignment | null } | null> {
  const existing = await draftForAssignment(assignment.id);
  if (existing) {
    app.navigate(`#/visit/${existing.id}`);
    return null;
  }
  let fresh: FieldAssignment | null = assignment;
  try {
    const answer = await cachedGet<FieldAssignment[]>(MY_ASSIGNMENTS);
    const found = answer.data.find((a) => a.id === assignment.id) ?? null;
    // Gone from the server's own list (not the phone's copy): cancelled or reassigned.
    fresh = found ?? (answer.fromCache ? assignment : null);
  } catch {
    // Neither the server nor a copy: go by what the list showed.
  }
  const refused = startRefusal(fresh?.status ?? null);
  if (refused !== null) return { refused, fresh };
  const draft = await newDraft({
    engagementId: assignment.engagement.id,
    siteId: assignment.site.id,
    assignmentId: assignment.id,
    mode: assignment.mode,
  });
  app.navigate(`#/visit/${draft.id}`);
  return null;
}

function draftLabel(draft: VisitDraft | undefined): MessageKey {
  if (!draft) return 'draft.none';
  return `draft.${draft.status}` as MessageKey;
}

/** What the card says under the chips: why no visit can start, or that another phone's counts. */
function cardNote(app: App, assignment: FieldAssignment, draft: VisitDraft | undefined, refused: StartRefusal | undefined): HTMLElement | null {
  if (refused !== undefined) {
    return h('p', { class: 'warning', role: 'alert', 'data-start-refused': refused }, app.t(`assignments.refused.${refused}` as MessageKey));
  }
  if (draft === undefined) {
    const closed = startRefusal(assignment.status);
    return closed ? h('p', { class: 'hint', 'data-assignment-note': closed }, app.t(`assignments.refused.${closed}` as MessageKey)) : null;
  }
  if (draft.status === 'returned') return h('p', { class: 'warning' }, app.t('assignments.returned'));
  if (overtaken(draft, assignment.status)) {
    return h('p', { class: 'warning', 'data-assignment-note': 'overtaken' }, app.t('assignments.overtaken'));
  }
  return null;
}

export const assignmentsScreen: Screen = async (app, root, params) => {
  replace(root, h('h2', null, app.t('assignments.title')), h('p', { class: 'hint' }, app.t('common.loading')));
  // Returned visits reach the phone here too (push may be off): best effort, offline is fine.
  await refreshReturned().catch(() => undefined);
  let result;
  try {
    result = await cachedGet<FieldAssignment[]>(MY_ASSIGNMENTS);
  } catch {
    replace(root, h('h2', null, app.t('assignments.title')), h('p', { class: 'error', role: 'alert' }, app.t('assignments.unavailable')));
    return;
  }
  let assignments = result.data;
  // Keep each scheme's α bands on the phone for visits made offline later.
  for (const schemeId of new Set(assignments.map((a) => a.scheme.id))) void loadScales(schemeId);
  const wanted = params[0];
  if (wanted) {
    const target = assignments.find((a) => a.id === wanted);
    if (target) {
      const outcome = await openAssignment(app, target);
      if (outcome === null) return;
    }
  }
  const refusals = new Map<string, StartRefusal>();
  const list = h('ul', { id: 'assignment-list', class: 'list' });

  const card = (assignment: FieldAssignment, draft: VisitDraft | undefined): HTMLElement => {
    const links = mapLinks(assignment.site.location.latitude, assignment.site.location.longitude, assignment.site.name);
    const refused = refusals.get(assignment.id);
    const open = h(
      'button',
      { class: 'button button--primary button--block', type: 'button', 'data-open-assignment': assignment.id },
      app.t(draft ? (draft.status === 'draft' || draft.status === 'returned' ? 'assignments.continue' : 'assignments.view') : 'assignments.start'),
    );
    open.addEventListener('click', () => {
      open.disabled = true;
      void openAssignment(app, assignment).then(async (outcome) => {
        if (outcome === null) return;
        refusals.set(assignment.id, outcome.refused);
        if (outcome.fresh) assignments = assignments.map((a) => (a.id === assignment.id ? (outcome.fresh as FieldAssignment) : a));
        await draw();
      });
    });
    if (!draft && (refused !== undefined || startRefusal(assignment.status) !== null)) open.disabled = true;
    return h(
      'li',
      {
        class: 'card assignment',
        'data-assignment-id': assignment.id,
        'data-status': assignment.status,
        'data-draft': draft?.status ?? 'none',
      },
      h('h3', null, assignment.site.name),
      h('p', { class: 'muted' }, assignment.site.address),
      h('p', null, h('span', { class: 'label' }, app.t('assignments.window')), ' ', formatWindow(assignment.window_start, assignment.window_end, app.i18n.locale)),
      h(
        'p',
        { class: 'chips' },
        h('span', { class: `chip chip--${assignment.status}`, 'data-assignment-status': assignment.status }, app.t(`assignmentStatus.${assignment.status}` as MessageKey)),
        // "Not started" says nothing about an assignment that is closed: the note below does.
        draft || startRefusal(assignment.status) === null
          ? h('span', { class: `chip chip--draft-${draft?.status ?? 'none'}`, 'data-draft-state': '' }, app.t(draftLabel(draft)))
          : null,
        h('span', { class: 'chip' }, modeLabel(app, assignment.mode)),
      ),
      cardNote(app, assignment, draft, refused),
      h(
        'p',
        { class: 'links' },
        h('a', { href: links.geo, class: 'link', 'data-map': 'geo' }, app.t('assignments.mapApp')),
        ' · ',
        h('a', { href: links.amap, class: 'link', target: '_blank', rel: 'noopener', 'data-map': 'amap' }, app.t('assignments.amap')),
      ),
      assignment.instructions ? h('details', null, h('summary', null, app.t('assignments.instructions')), h('p', null, assignment.instructions)) : null,
      open,
    );
  };

  /** The cards with the drafts as IndexedDB has them now. */
  const draw = async (): Promise<void> => {
    const drafts = await Promise.all(assignments.map((a) => draftForAssignment(a.id)));
    replace(list, assignments.map((a, i) => card(a, drafts[i])));
  };
  await draw();
  // The outbox moves drafts on (queued → synced, blocked, returned) while the list is open.
  let last = '';
  app.onSync((s) => {
    const key = [s.pendingRecords, s.pendingPhotos, s.blockedRecords, s.localDrafts, s.lastSuccessAt ?? '', s.running].join('/');
    if (key === last) return;
    last = key;
    void draw();
  });
  replace(
    root,
    h('h2', null, app.t('assignments.title')),
    result.fromCache
      ? h('p', { class: 'hint', id: 'assignments-cached' }, app.tf('common.cachedAt', { time: formatDateTime(result.fetchedAt, app.i18n.locale) }))
      : null,
    assignments.length === 0 ? h('p', { class: 'hint', id: 'assignments-empty' }, app.t('assignments.empty')) : list,
  );
};
