/**
 * The visit screen's rules, DOM-free and unit-tested: how a check-in's GPS fixes are judged
 * against the site's geofence, and what still stops a submission.
 */

import type { GeoFix, Rating } from '../shared/wire';
import type { MessageKey } from '../i18n';
import { distanceM } from '../shared/wire';
import type { FieldItem } from './types';

/** Worse than this, a fix cannot place the visitor at a site (typical geofences are 100–200 m). */
export const POOR_ACCURACY_M = 50;
export type GeoVerdict = 'none' | 'ok' | 'poor-accuracy' | 'outside';

/** Judge the best (most accurate) fix against the site's geofence. */
export function judgeFixes(
  fixes: readonly GeoFix[],
  site: { latitude: number; longitude: number },
  radiusM: number,
): { verdict: GeoVerdict; best: GeoFix | null; distance: number | null } {
  if (fixes.length === 0) return { verdict: 'none', best: null, distance: null };
  const best = fixes.reduce((a, b) => (b.accuracy_m < a.accuracy_m ? b : a));
  const distance = distanceM(best, site);
  if (distance > radiusM) return { verdict: 'outside', best, distance };
  if (best.accuracy_m > POOR_ACCURACY_M) return { verdict: 'poor-accuracy', best, distance };
  return { verdict: 'ok', best, distance };
}

/** What still stops a submission, as message keys with the item code where one applies. */
/** The part of a visit draft (data/drafts.ts VisitDraft) the submission rules read. */
export interface SubmittableDraft {
  startedAt: string | null;
  endedAt: string | null;
  ratings: Record<string, Rating>;
}

export function submitProblems(draft: SubmittableDraft, items: readonly FieldItem[]): { key: MessageKey; item?: string }[] {
  const problems: { key: MessageKey; item?: string }[] = [];
  if (!draft.startedAt) problems.push({ key: 'visit.problem.checkin' });
  for (const item of items) {
    const rating = draft.ratings[item.code];
    if (!rating) {
      if (!item.bonus) problems.push({ key: 'visit.problem.unrated', item: item.code });
    } else if (rating.na && !rating.reason?.trim()) {
      problems.push({ key: 'visit.problem.naReason', item: item.code });
    }
  }
  if (!draft.endedAt) problems.push({ key: 'visit.problem.checkout' });
  return problems;
}

