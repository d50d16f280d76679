/**
 * `#/assignments` (shoppers): each assignment with its site, window, a map link, status and
 * the state of the phone's draft; the list comes from the server when online and from the
 * cache offline. `#/assignments/<id>` (a push notification's link) opens that visit.
 */

import { cachedGet } from '../../data/cache';
import { draftForAssignment, newDraft, type VisitDraft } from '../../data/drafts';
import { refreshReturned } from '../../data/sync';
import type { MessageKey } from '../../i18n';
import type { App, Screen } from '../app';
import { formatDateTime, formatWindow, mapLinks } from '../format';
import { h, replace } from '../h';
import type { FieldAssignment } from '../types';

import { MY_ASSIGNMENTS, loadScales } from '../context';
export { MY_ASSIGNMENTS };

/** Open the assignment's draft, creating it on first use (its id becomes the evaluation id). */
export async function openAssignment(app: App, assignment: FieldAssignment): Promise<void> {
  const existing = await draftForAssignment(assignment.id);
  const draft =
    existing ??
    (await newDraft({
      engagementId: assignment.engagement.id,
      siteId: assignment.site.id,
      assignmentId: assignment.id,
      mode: assignment.mode,
    }));
  app.navigate(`#/visit/${draft.id}`);
}

function draftLabel(draft: VisitDraft | undefined): MessageKey {
  if (!draft) return 'draft.none';
  return `draft.${draft.status}` as MessageKey;
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
  const assignments = result.data;
  // Keep each scheme's α bands on the phone for visits made offline later.
  for (const schemeId of new Set(assignments.map((a) => a.scheme.id))) void loadScales(schemeId);
  const wanted = params[0];
  if (wanted) {
    const target = assignments.find((a) => a.id === wanted);
    if (target) {
      await openAssignment(app, target);
      return;
    }
  }
  const drafts = await Promise.all(assignments.map((a) => draftForAssignment(a.id)));
  const list = h('ul', { id: 'assignment-list', class: 'list' });
  assignments.forEach((assignment, index) => {
    const draft = drafts[index];
    const links = mapLinks(assignment.site.location.latitude, assignment.site.location.longitude, assignment.site.name);
    const open = h(
      'button',
      { class: 'button button--primary button--block', type: 'button', 'data-open-assignment': assignment.id },
      app.t(draft ? 'assignments.continue' : 'assignments.start'),
    );
    open.addEventListener('click', () => {
      open.disabled = true;
      void openAssignment(app, assignment);
    });
    const closed = ['cancelled', 'completed'].includes(assignment.status) && !draft;
    if (closed) open.disabled = true;
    list.append(
      h(
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
          h('span', { class: `chip chip--${assignment.status}` }, app.t(`assignmentStatus.${assignment.status}` as MessageKey)),
          h('span', { class: `chip chip--draft-${draft?.status ?? 'none'}`, 'data-draft-state': '' }, app.t(draftLabel(draft))),
          h('span', { class: 'chip' }, app.tf('visit.modeLabel', { mode: assignment.mode })),
        ),
        draft?.status === 'returned' ? h('p', { class: 'warning' }, app.t('assignments.returned')) : null,
        h(
          'p',
          { class: 'links' },
          h('a', { href: links.geo, class: 'link', 'data-map': 'geo' }, app.t('assignments.mapApp')),
          ' · ',
          h('a', { href: links.amap, class: 'link', target: '_blank', rel: 'noopener', 'data-map': 'amap' }, app.t('assignments.amap')),
        ),
        assignment.instructions ? h('details', null, h('summary', null, app.t('assignments.instructions')), h('p', null, assignment.instructions)) : null,
        open,
      ),
    );
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
