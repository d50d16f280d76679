import { describe, expect, it } from 'vitest';
import { campaignState, levelsFor, saveProblems } from '../../src/ui/survey-rules';

describe('campaignState', () => {
  const c = { opens_at: '2026-12-01T00:00:00+08:00', closes_at: '2026-12-31T00:00:00+08:00' };
  it('is open from the opening instant until (not including) the closing one', () => {
    expect(campaignState(c, Date.parse('2026-11-30T15:59:59Z'))).toBe('not_open');
    expect(campaignState(c, Date.parse('2026-11-30T16:00:00Z'))).toBe('open');
    expect(campaignState(c, Date.parse('2026-12-30T15:59:59Z'))).toBe('open');
    expect(campaignState(c, Date.parse('2026-12-30T16:00:00Z'))).toBe('closed');
  });
});

describe('levelsFor', () => {
  const scheme = {
    items: [{ code: '1.1', scale: 'E5' }],
    scales: [{ code: 'E5', bands: [1, 2, 3, 4, 5].map((level) => ({ level, label: { zh: `级${level}`, en: `L${level}` } })) }],
  };
  // Issue 9 (C7): one level order everywhere, the documents' (1 远低于预期 … 5 远高于预期);
  // this screen listed them highest first until then.
  it("gives the item's scale labels in the documents' order, 1 first", () => {
    expect(levelsFor(scheme, '1.1').map((l) => [l.level, l.label?.zh])).toEqual([
      [1, '级1'],
      [2, '级2'],
      [3, '级3'],
      [4, '级4'],
      [5, '级5'],
    ]);
  });
  it('falls back to the bare levels without the scheme or the item', () => {
    expect(levelsFor(null, '1.1').map((l) => [l.level, l.label])).toEqual([1, 2, 3, 4, 5].map((n) => [n, null]));
    expect(levelsFor(scheme, '9.9')).toHaveLength(5);
  });
});

describe('saveProblems', () => {
  const ok = { siteId: 's', questions: [{ item: '1.1' }, { item: '1.2' }], answers: { '1.1': 4, '1.2': 'na' }, staffAbsent: true, phone: '', consent: false };
  it('accepts a complete answer (不适用 counts as answered)', () => {
    expect(saveProblems(ok)).toEqual([]);
  });
  it('names each problem', () => {
    expect(saveProblems({ ...ok, siteId: '', answers: { '1.1': 4 }, staffAbsent: false, phone: '138', consent: false })).toEqual([
      { kind: 'site' },
      { kind: 'unanswered', items: ['1.2'] },
      { kind: 'absent' },
      { kind: 'consent' },
    ]);
    expect(saveProblems({ ...ok, phone: '138', consent: true })).toEqual([]);
  });
});
