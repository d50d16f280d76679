/**
 * The face-to-face survey screen's rules, DOM-free and unit-tested: whether a campaign takes
 * answers now (by the phone's clock, since the cached `state` may be days old offline), the
 * answer labels of a question (the scheme's scale, as the public page `/s/<code>` shows them),
 * and what still stops a save.
 */

import { LEVELS, type Level } from '../shared/wire';
import type { Text } from './types';

export type CampaignState = 'not_open' | 'open' | 'closed';

/** As the server decides it: open from `opens_at` (inclusive) until `closes_at` (exclusive). */
export function campaignState(c: { opens_at: string; closes_at: string }, now: number): CampaignState {
  if (now < Date.parse(c.opens_at)) return 'not_open';
  if (now >= Date.parse(c.closes_at)) return 'closed';
  return 'open';
}

export interface LabelledLevel {
  level: Level;
  label: Text | null;
}

/**
 * The five levels of the item's scale with their labels, in the documents' order: 1 远低于预期
 * first … 5 远高于预期 last, as on the visit screen (one order everywhere, so the same auditor
 * does not tap the wrong end). Without the scheme on the phone: the numbers alone.
 */
export function levelsFor(
  scheme: { items: { code: string; scale: string }[]; scales: { code: string; bands: { level: number; label: Text | null }[] }[] } | null,
  item: string,
): LabelledLevel[] {
  const scaleCode = scheme?.items.find((i) => i.code === item)?.scale;
  const bands = scheme?.scales.find((s) => s.code === scaleCode)?.bands ?? [];
  return LEVELS.map((level) => ({ level, label: bands.find((b) => b.level === level)?.label ?? null }));
}

export type SurveyProblem =
  | { kind: 'site' }
  | { kind: 'unanswered'; items: string[] }
  | { kind: 'absent' }
  | { kind: 'consent' };

/** Every question answered (不适用 counts), the site chosen, the attestation, consent for a phone. */
export function saveProblems(input: {
  siteId: string;
  questions: readonly { item: string }[];
  answers: Readonly<Record<string, unknown>>;
  staffAbsent: boolean;
  phone: string;
  consent: boolean;
}): SurveyProblem[] {
  const problems: SurveyProblem[] = [];
  if (input.siteId === '') problems.push({ kind: 'site' });
  const missing = input.questions.filter((q) => input.answers[q.item] === undefined).map((q) => q.item);
  if (missing.length > 0) problems.push({ kind: 'unanswered', items: missing });
  if (!input.staffAbsent) problems.push({ kind: 'absent' });
  if (input.phone.trim() !== '' && !input.consent) problems.push({ kind: 'consent' });
  return problems;
}
