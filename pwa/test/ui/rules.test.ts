import { describe, expect, it } from 'vitest';
import { fill } from '../../src/i18n';
import { homeFor, parseHash } from '../../src/ui/routes';
import type { FieldItem } from '../../src/ui/types';
import { judgeFixes, POOR_ACCURACY_M, submitProblems, type SubmittableDraft } from '../../src/ui/visit-rules';

const site = { latitude: 28.71689, longitude: 115.96021 };
const fix = (dLat: number, accuracy: number) => ({
  latitude: site.latitude + dLat,
  longitude: site.longitude,
  accuracy_m: accuracy,
  captured_at: '2026-12-03T10:00:00+08:00',
});

describe('judgeFixes', () => {
  it('has no verdict without fixes', () => {
    expect(judgeFixes([], site, 200).verdict).toBe('none');
  });

  it('is ok inside the geofence with a good fix', () => {
    const judged = judgeFixes([fix(0.0005, 12)], site, 200);
    expect(judged.verdict).toBe('ok');
    expect(judged.distance).toBeGreaterThan(50);
    expect(judged.distance).toBeLessThan(60);
  });

  it('judges by the most accurate of several readings', () => {
    const judged = judgeFixes([fix(0.01, 900), fix(0.0001, 8), fix(0.0002, 30)], site, 200);
    expect(judged.best?.accuracy_m).toBe(8);
    expect(judged.verdict).toBe('ok');
  });

  it('warns outside the geofence', () => {
    expect(judgeFixes([fix(0.003, 10)], site, 200).verdict).toBe('outside');
  });

  it('warns about poor accuracy inside the geofence', () => {
    expect(judgeFixes([fix(0, POOR_ACCURACY_M + 1)], site, 200).verdict).toBe('poor-accuracy');
  });
});

const item = (code: string, bonus = false): FieldItem => ({
  code,
  points: '5',
  characteristic: { code: code.split('.')[0] ?? '', title: null },
  title: null,
  text: null,
  dimension: null,
  scale: 'likert5',
  bonus,
});

function draft(over: Partial<SubmittableDraft>): SubmittableDraft {
  return { ratings: {}, startedAt: null, endedAt: null, ...over };
}

describe('submitProblems', () => {
  const items = [item('1.1'), item('1.2'), item('8.1', true)];

  it('lists check-in, every unrated item (not bonus items) and check-out', () => {
    const problems = submitProblems(draft({}), items);
    expect(problems.map((p) => [p.key, p.item ?? null])).toEqual([
      ['visit.problem.checkin', null],
      ['visit.problem.unrated', '1.1'],
      ['visit.problem.unrated', '1.2'],
      ['visit.problem.checkout', null],
    ]);
  });

  it('asks for the reason of an N/A', () => {
    const problems = submitProblems(
      draft({ startedAt: 'x', endedAt: 'y', ratings: { '1.1': { level: 4 }, '1.2': { na: true, reason: '  ' } } }),
      items,
    );
    expect(problems).toEqual([{ key: 'visit.problem.naReason', item: '1.2' }]);
  });

  it('is empty for a complete visit', () => {
    const complete = draft({ startedAt: 'x', endedAt: 'y', ratings: { '1.1': { alpha: 0.75 }, '1.2': { na: true, reason: '无' } } });
    expect(submitProblems(complete, items)).toEqual([]);
  });
});

describe('routes', () => {
  it('parses hash routes with their parameters', () => {
    expect(parseHash('#/visit/abc-1')).toEqual({ name: 'visit', params: ['abc-1'] });
    expect(parseHash('#/review')).toEqual({ name: 'review', params: [] });
    expect(parseHash('')).toEqual({ name: '', params: [] });
  });

  it('sends each role to its first screen', () => {
    const me = (role: string) => ({ id: '1', email: 'a@b.cn', display_name: 'x', role, is_active: true, organisation: { id: 'o', name: 'n' } });
    expect(homeFor(null)).toBe('#/login');
    expect(homeFor(me('shopper'))).toBe('#/assignments');
    expect(homeFor(me('auditor'))).toBe('#/review');
    // Issue 10: every desk role lands on the office home with its work on it.
    for (const role of ['admin', 'scheme_manager', 'team_leader', 'reviewer', 'client_user']) {
      expect(homeFor(me(role))).toBe('#/office');
    }
  });
});

describe('fill', () => {
  it('replaces named placeholders and leaves unknown ones', () => {
    expect(fill('已评价 {rated} 项，共 {total} 项', { rated: 3, total: 19 })).toBe('已评价 3 项，共 19 项');
    expect(fill('{x} {y}', { x: 1 })).toBe('1 {y}');
  });
});
