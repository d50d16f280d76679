/**
 * `#/inspect` (auditors, team leaders): open inspection (mode A) on the engagements whose team
 * they are on: pick a site, record with the same capture flow as a shopper's visit.
 */

import { cachedGet } from '../../data/cache';
import { listDrafts, newDraft } from '../../data/drafts';
import type { MessageKey } from '../../i18n';
import type { Screen } from '../app';
import { loadScales, packetPath } from '../context';
import { formatDateTime } from '../format';
import { h, replace } from '../h';
import type { Engagement, EngagementPacket } from '../types';

/** GB/T 27207 mode A: open inspection by the audit team. */
const OPEN_INSPECTION = 'A';

export const inspectScreen: Screen = async (app, root) => {
  replace(root, h('h2', null, app.t('inspect.title')), h('p', { class: 'hint' }, app.t('common.loading')));
  let engagements: Engagement[];
  try {
    engagements = (await cachedGet<Engagement[]>('/api/engagements')).data;
  } catch {
    replace(root, h('h2', null, app.t('inspect.title')), h('p', { class: 'error', role: 'alert' }, app.t('inspect.unavailable')));
    return;
  }
  const mine = (await listDrafts()).filter((d) => d.assignmentId === null);
  const open = engagements.filter((e) => e.modes.includes(OPEN_INSPECTION) && !['decided', 'closed', 'cancelled'].includes(e.status));
  const packets = await Promise.all(
    open.map((e) =>
      cachedGet<EngagementPacket>(packetPath(e.id)).then(
        (r) => r.data,
        () => null,
      ),
    ),
  );
  for (const packet of packets) if (packet) void loadScales(packet.scheme.id);

  const draftsList = mine.length
    ? h(
        'section',
        { class: 'stack', id: 'inspect-drafts' },
        h('h3', null, app.t('inspect.myRecords')),
        h(
          'ul',
          { class: 'list' },
          mine
            .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
            .map((d) => {
              const packet = packets.find((p) => p?.id === d.engagementId);
              const site = packet?.sites.find((s) => s.id === d.siteId);
              return h(
                'li',
                { class: 'card', 'data-draft-id': d.id, 'data-draft': d.status },
                h('a', { href: `#/visit/${d.id}`, class: 'link-block' }, h('strong', null, site?.name ?? d.siteId), ' ', h('span', { class: `chip chip--draft-${d.status}` }, app.t(`draft.${d.status}` as MessageKey)), h('br'), h('span', { class: 'muted' }, formatDateTime(d.updatedAt, app.i18n.locale))),
              );
            }),
        ),
      )
    : null;

  const list = h(
    'ul',
    { class: 'list', id: 'inspect-engagements' },
    open.map((engagement, index) => {
      const packet = packets[index];
      return h(
        'li',
        { class: 'card stack', 'data-engagement-id': engagement.id },
        h('h3', null, engagement.title),
        h('p', { class: 'muted' }, engagement.client.name),
        packet
          ? packet.sites.map((site) => {
              const start = h('button', { type: 'button', class: 'button button--block', 'data-start-inspection': site.id }, app.tf('inspect.start', { site: site.name }));
              start.addEventListener('click', () => {
                start.disabled = true;
                void newDraft({ engagementId: engagement.id, siteId: site.id, assignmentId: null, mode: OPEN_INSPECTION }).then((d) => app.navigate(`#/visit/${d.id}`));
              });
              return start;
            })
          : h('p', { class: 'error' }, app.t('inspect.noPacket')),
      );
    }),
  );
  replace(root, h('h2', null, app.t('inspect.title')), draftsList, open.length ? list : h('p', { class: 'hint', id: 'inspect-empty' }, app.t('inspect.empty')));
};
