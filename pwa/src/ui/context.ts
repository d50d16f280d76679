/** What a visit screen needs besides the draft: the site, the items and the scales, offline too. */

import { cachedGet } from '../data/cache';
import type { VisitDraft } from '../data/drafts';
import type { EngagementPacket, FieldAssignment, FieldScheme, FieldSite, ScaleWithBands } from './types';

export const MY_ASSIGNMENTS = '/api/me/assignments';
export const packetPath = (engagementId: string): string => `/api/fieldapp/engagements/${engagementId}/packet`;
export const scalesPath = (schemeVersionId: string): string => `/api/fieldapp/schemes/${schemeVersionId}/scales`;

export interface VisitContext {
  title: string;
  site: FieldSite;
  scheme: FieldScheme;
  /** α bands per scale code; null when neither the server nor the cache has them. */
  scales: Map<string, ScaleWithBands> | null;
  window: { start: string; end: string } | null;
  instructions: string;
  /**
   * The assignment's status as the server last said (assigned, in_progress, submitted,
   * completed, cancelled; asked afresh when online); null for an open inspection.
   */
  assignmentStatus: string | null;
}

export async function loadScales(schemeVersionId: string): Promise<Map<string, ScaleWithBands> | null> {
  try {
    const { data } = await cachedGet<ScaleWithBands[]>(scalesPath(schemeVersionId));
    return new Map(data.map((scale) => [scale.code, scale]));
  } catch {
    return null;
  }
}

export async function loadVisitContext(draft: VisitDraft): Promise<VisitContext> {
  if (draft.assignmentId !== null) {
    const { data } = await cachedGet<FieldAssignment[]>(MY_ASSIGNMENTS);
    const assignment = data.find((a) => a.id === draft.assignmentId);
    if (!assignment) throw new Error(`assignment ${draft.assignmentId} is not on this phone`);
    return {
      title: assignment.engagement.title,
      site: assignment.site,
      scheme: assignment.scheme,
      scales: await loadScales(assignment.scheme.id),
      window: { start: assignment.window_start, end: assignment.window_end },
      instructions: assignment.instructions,
      assignmentStatus: assignment.status,
    };
  }
  const { data: packet } = await cachedGet<EngagementPacket>(packetPath(draft.engagementId));
  const site = packet.sites.find((s) => s.id === draft.siteId);
  if (!site) throw new Error(`site ${draft.siteId} is not in engagement ${draft.engagementId}`);
  return {
    title: packet.title,
    site,
    scheme: packet.scheme,
    scales: await loadScales(packet.scheme.id),
    window: null,
    instructions: '',
    assignmentStatus: null,
  };
}

/** Items grouped by characteristic, in the scheme's order (bonus items last, as written). */
export function groupItems(scheme: FieldScheme): { code: string; title: FieldScheme['items'][number]['characteristic']['title']; items: FieldScheme['items'] }[] {
  const groups: { code: string; title: FieldScheme['items'][number]['characteristic']['title']; items: FieldScheme['items'] }[] = [];
  for (const item of scheme.items) {
    const key = item.bonus ? `bonus:${item.characteristic.code}` : item.characteristic.code;
    let group = groups.find((g) => g.code === key);
    if (!group) {
      group = { code: key, title: item.characteristic.title, items: [] };
      groups.push(group);
    }
    group.items.push(item);
  }
  return groups;
}
