import { describe, expect, it } from 'vitest';
import { conformityScore, differenceSeconds, managementTotal, suggestedJudgement, type OnsiteForm, itemsForMode } from '../../src/onsite/rules';

const bands = [
  [1, 20, true, 45, false],
  [2, 45, true, 70, false],
  [3, 70, true, 95, false],
  [4, 95, true, 105, false],
  [5, 105, true, 145, true],
].map(([level, min, mi, max, ma]) => ({ level: level as number, label: { zh: '', en: '' }, min: min as number, min_inclusive: mi as boolean, max: max as number, max_inclusive: ma as boolean }));
const heavy = ['4.1', '4.2', '4.3', '5.1', '5.2', '6.1', '6.2', '6.3'];
const light = ['1.1', '1.2', '1.3', '1.4', '2.1', '2.2', '2.3', '3.1', '3.2', '4.4', '4.5', '7.1', '7.2'];
const management: NonNullable<OnsiteForm['management']> = {
  section: '§5.2',
  total_points: 145,
  exemption_note: null,
  chapters: [],
  clauses: [...light.map((code) => ({ code, chapter: code[0] as string, title: { zh: code, en: code }, points_by_level: [1, 2, 3, 4, 5], levels: [] })), ...heavy.map((code) => ({ code, chapter: code[0] as string, title: { zh: code, en: code }, points_by_level: [2, 4, 6, 8, 10], levels: [] }))],
  grading: bands,
};

describe('managementTotal (Annex 3)', () => {
  it('scores 13 × 3 + 8 × 6 = 87, level 3, with every clause at level 3', () => {
    const levels = Object.fromEntries([...light, ...heavy].map((c) => [c, 3]));
    expect(managementTotal(management, levels)).toEqual({ total: 87, level: 3, missing: [] });
  });
  it('scores 8 × 8 + 13 × 3 = 103, level 4', () => {
    const levels = Object.fromEntries([...light.map((c) => [c, 3]), ...heavy.map((c) => [c, 4])]);
    expect(managementTotal(management, levels).level).toBe(4);
    expect(managementTotal(management, levels).total).toBe(103);
  });
  it('lists unrated clauses (the level is provisional)', () => {
    const r = managementTotal(management, { '4.1': 5 });
    expect(r.total).toBe(10);
    expect(r.missing).toHaveLength(20);
  });
});

const conformity: NonNullable<OnsiteForm['conformity']> = {
  section: '§5.2.3',
  pass_mark: 3,
  judgements: [
    { code: 'non', points: 0, label: { zh: '不符合', en: 'Non' }, requires_suggestion: false, opens_nonconformity: true },
    { code: 'partial', points: 2, label: { zh: '部分符合', en: 'Partial' }, requires_suggestion: true, opens_nonconformity: false },
    { code: 'basic', points: 3, label: { zh: '基本符合', en: 'Basic' }, requires_suggestion: false, opens_nonconformity: false },
    { code: 'full', points: 4, label: { zh: '完全符合', en: 'Full' }, requires_suggestion: false, opens_nonconformity: false },
  ],
  chapters: [{ code: '4', title: { zh: '', en: '' } }],
  clauses: ['4.3.1', '4.3.2', '4.4.2'].map((code) => ({ code, chapter: '4', title: { zh: code, en: code } })),
};

describe('conformityScore (§5.2.3.2)', () => {
  it('(4 + 2 + 3) / 3 = 3 passes; (4 + 2 + 0) / 3 = 2 does not', () => {
    expect(conformityScore(conformity, { '4.3.1': 'full', '4.3.2': 'partial', '4.4.2': 'basic' })).toMatchObject({ final: 3, passed: true, unjudged: [] });
    expect(conformityScore(conformity, { '4.3.1': 'full', '4.3.2': 'partial', '4.4.2': 'non' })).toMatchObject({ final: 2, passed: false });
  });
});

describe('timing rows (annex tables)', () => {
  it('measures across midnight to the millisecond and refuses a date without time', () => {
    expect(differenceSeconds('2026-03-02T23:59:58.250+08:00', '2026-03-03T00:00:04+08:00')).toBe(5.75);
    expect(differenceSeconds('2026-03-02 10:00:00', '2026-03-02 10:00:10.001')).toBeCloseTo(10.001, 6);
    expect(differenceSeconds('2026-03-02', '2026-03-02 10:00:00')).toBeNull();
  });
  it('suggests partial from 2 of 3 conforming rows (66.7 % < 70 %)', () => {
    const timing: NonNullable<OnsiteForm['timing']> = {
      section: '附录 A',
      tables: [{ id: 't2', table: '附表 2', title: { zh: '', en: '' }, clause: '4.3.2', limit_s: 10, requirement: { zh: '', en: '' }, rows: [] }],
      suggestion: [
        { judgement: 'full', share_min: 1, inclusive: true },
        { judgement: 'basic', share_min: 0.7, inclusive: true },
        { judgement: 'partial', share_min: 0, inclusive: false },
      ],
      otherwise: 'non',
    };
    const row = (received: string, sent: string) => ({ id: received, clause: '4.3.2', item: 'x', received, sent, note: '' });
    const rows = [row('2026-03-02T23:59:58.250+08:00', '2026-03-03T00:00:04+08:00'), row('2026-03-03T10:00:00+08:00', '2026-03-03T10:00:10+08:00'), row('2026-03-03T10:00:00+08:00', '2026-03-03T10:00:10.001+08:00')];
    expect(suggestedJudgement(timing, rows, '4.3.2')).toBe('partial');
    expect(suggestedJudgement(timing, rows.slice(0, 2), '4.3.2')).toBe('full');
  });
});

describe('itemsForMode: the items a two-rater pair of a mode rates (seed 003)', () => {
  const items = [{ code: '1.1' }, { code: '1.2' }, { code: '2.1' }, { code: '7.1' }];
  it("keeps the plan's items of the mode, in the scheme's order", () => {
    const r = itemsForMode(items, { A: ['7.1', '1.1'], B: ['2.1'] }, 'A');
    expect(r).toEqual({ items: [{ code: '1.1' }, { code: '7.1' }], planned: true });
    expect(itemsForMode(items, { A: ['7.1', '1.1'], B: ['2.1'] }, 'B').items.map((i) => i.code)).toEqual(['2.1']);
  });
  it('lists every item when the plan names none for the mode, or the mode is unknown', () => {
    expect(itemsForMode(items, { B: ['2.1'] }, 'A')).toEqual({ items, planned: false });
    expect(itemsForMode(items, undefined, 'A')).toEqual({ items, planned: false });
    expect(itemsForMode(items, { A: ['1.1'] }, null)).toEqual({ items, planned: false });
  });
});
