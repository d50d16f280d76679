/**
 * The on-site audit's arithmetic on the phone, from the cached form (GET …/onsite-form), so the
 * auditor sees the running total offline. The server recomputes everything exactly with the
 * scoring core (backend/scoring); these are the same rules as data: Annex 3 points and levels
 * (Tengbiao §5.2), table 2 points, chapter and final means (CQC §5.2.3), timing differences,
 * limits and the suggested judgement (annex tables 1–3). DOM-free, unit-tested.
 */

export interface Bilingual {
  zh: string;
  en: string;
}

export interface FormClause {
  code: string;
  chapter: string;
  title: Bilingual;
  points_by_level: number[];
  levels: Bilingual[];
}

export interface Band {
  level: number;
  label: Bilingual;
  min: number;
  min_inclusive: boolean;
  max: number;
  max_inclusive: boolean;
}

export interface Judgement {
  code: string;
  points: number;
  label: Bilingual;
  requires_suggestion: boolean;
  opens_nonconformity: boolean;
}

export interface TimingTable {
  id: string;
  table: string;
  title: Bilingual;
  clause: string;
  limit_s: number;
  requirement: Bilingual;
  rows: Bilingual[];
}

export interface OnsiteForm {
  engagement_id: string;
  title: string;
  scheme: { id: string; version: string; title: Bilingual };
  management: null | {
    section: string;
    total_points: number;
    exemption_note: Bilingual | null;
    chapters: { code: string; title: Bilingual }[];
    clauses: FormClause[];
    grading: Band[];
  };
  conformity: null | {
    section: string;
    pass_mark: number;
    judgements: Judgement[];
    chapters: { code: string; title: Bilingual }[];
    clauses: { code: string; chapter: string; title: Bilingual }[];
  };
  timing: null | {
    section: string;
    tables: TimingTable[];
    suggestion: { judgement: string; share_min: number; inclusive: boolean }[];
    otherwise: string;
  };
}

export interface ManagementTotal {
  total: number;
  /** null while no clause is rated or the total is in no band. */
  level: number | null;
  /** Clauses not rated yet: the level is provisional until this is empty. */
  missing: string[];
}

/** Annex 3: each rated clause's points for its level; the level from the total's band. */
export function managementTotal(form: NonNullable<OnsiteForm['management']>, levels: Record<string, number | null>): ManagementTotal {
  let total = 0;
  const missing: string[] = [];
  for (const clause of form.clauses) {
    const level = levels[clause.code];
    if (level === null || level === undefined) {
      missing.push(clause.code);
      continue;
    }
    total += clause.points_by_level[level - 1] ?? 0;
  }
  const rated = form.clauses.length - missing.length;
  const band = form.grading.find(
    (b) => (b.min_inclusive ? total >= b.min : total > b.min) && (b.max_inclusive ? total <= b.max : total < b.max),
  );
  return { total, level: rated > 0 && band ? band.level : null, missing };
}

export interface ConformityScore {
  chapters: Record<string, number>;
  final: number | null;
  passed: boolean | null;
  unjudged: string[];
}

/** §5.2.3.2: chapter = mean of its judged clauses; final = mean of the chapters. */
export function conformityScore(form: NonNullable<OnsiteForm['conformity']>, judged: Record<string, string | null>): ConformityScore {
  const points = new Map(form.judgements.map((j) => [j.code, j.points]));
  const sums = new Map<string, number[]>();
  const unjudged: string[] = [];
  for (const clause of form.clauses) {
    const j = judged[clause.code];
    if (!j) {
      unjudged.push(clause.code);
      continue;
    }
    const list = sums.get(clause.chapter) ?? [];
    list.push(points.get(j) ?? 0);
    sums.set(clause.chapter, list);
  }
  const chapters: Record<string, number> = {};
  for (const ch of form.chapters) {
    const list = sums.get(ch.code);
    if (list && list.length) chapters[ch.code] = list.reduce((a, b) => a + b, 0) / list.length;
  }
  const values = Object.values(chapters);
  const final = values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
  return { chapters, final, passed: final === null ? null : final >= form.pass_mark, unjudged };
}

/**
 * Seconds from a timestamp text to another (sent − received), to the millisecond; null when a
 * text is not a full date and time. Without an offset both are read alike (the phone's zone).
 */
export function differenceSeconds(received: string, sent: string): number | null {
  const full = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?/;
  if (!full.test(received.trim()) || !full.test(sent.trim())) return null;
  const a = Date.parse(received.trim().replace(' ', 'T'));
  const b = Date.parse(sent.trim().replace(' ', 'T'));
  if (Number.isNaN(a) || Number.isNaN(b)) return null;
  return (b - a) / 1000;
}

export interface TimingRowInput {
  id: string;
  clause: string;
  item: string;
  received: string;
  sent: string;
  note: string;
}

/** The judgement the share of conforming rows suggests (scheme data, our reading). */
export function suggestedJudgement(form: NonNullable<OnsiteForm['timing']>, rows: readonly TimingRowInput[], clause: string): string | null {
  const table = form.tables.find((t) => t.clause === clause);
  const mine = rows.filter((r) => r.clause === clause);
  if (!table || mine.length === 0) return null;
  const ok = mine.filter((r) => {
    const d = differenceSeconds(r.received, r.sent);
    return d !== null && d >= 0 && d <= table.limit_s;
  }).length;
  const share = ok / mine.length;
  for (const rule of form.suggestion) {
    if (rule.inclusive ? share >= rule.share_min : share > rule.share_min) return rule.judgement;
  }
  return form.otherwise;
}

/** The evidence ids a record's content cites: per clause, and the exemption's certificate. */
export function cited(content: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  const clauses = (content['clauses'] ?? {}) as Record<string, { evidence?: unknown }>;
  for (const entry of Object.values(clauses)) {
    if (Array.isArray(entry?.evidence)) for (const id of entry.evidence) out.add(String(id));
  }
  const exemption = content['exemption'] as { certificate_evidence?: unknown } | null | undefined;
  if (exemption && typeof exemption.certificate_evidence === 'string') out.add(exemption.certificate_evidence);
  return out;
}

/**
 * The items a two-rater pair of `mode` rates: those the audit plan gives that mode (seed 003),
 * in the scheme's order; every item when the plan names none for it. `planned` says which.
 */
export function itemsForMode<T extends { code: string }>(items: readonly T[], byMode: Readonly<Record<string, readonly string[]>> | undefined, mode: string | null): { items: T[]; planned: boolean } {
  const wanted = mode === null ? undefined : byMode?.[mode];
  if (!wanted || wanted.length === 0) return { items: [...items], planned: false };
  const set = new Set(wanted);
  return { items: items.filter((i) => set.has(i.code)), planned: true };
}
