import { describe, expect, it } from 'vitest';
import { createBody, rebase, sameContent, distanceM, editBody, fitWithin, ifMatchFor, isoWithOffset, looksLikeJpeg, parseEtagVersion, toHex } from '../../src/shared/wire';

const draft = {
  engagementId: 'e', siteId: 's', assignmentId: null, mode: 'A',
  ratings: { '1.1': { level: 4 as const } }, notes: 'n', itemNotes: { '1.1': 'ok', '1.2': '  ' },
  startedAt: null, endedAt: null, gpsFixes: [], photos: [{ photoId: 'p1', item: '1.1' }, { photoId: 'p1', item: '1.1' }, { photoId: 'p2', item: null }],
};

describe('wire shapes', () => {
  it('builds the create and edit bodies the server takes', () => {
    expect(createBody(draft, true)).toEqual({
      engagement_id: 'e', site_id: 's', assignment_id: null, mode: 'A', ratings: { '1.1': { level: 4 } }, notes: 'n',
      item_notes: { '1.1': 'ok' }, started_at: null, ended_at: null, gps_fixes: [],
      evidence: [{ evidence_id: 'p1', item: '1.1' }, { evidence_id: 'p2', item: null }], submit: true,
    });
    const edit = editBody(draft, false);
    expect(Object.keys(edit).sort()).toEqual(['ended_at', 'evidence', 'gps_fixes', 'item_notes', 'notes', 'ratings', 'started_at', 'submit']);
  });
  it('reads and writes ETag versions', () => {
    expect(parseEtagVersion('"v12"')).toBe(12);
    expect(parseEtagVersion('W/"v3"')).toBe(3);
    expect(parseEtagVersion('"abc"')).toBeNull();
    expect(parseEtagVersion(null)).toBeNull();
    expect(ifMatchFor(4)).toBe('"v4"');
  });
  it('writes times with the local offset', () => {
    const t = new Date(Date.UTC(2026, 11, 3, 2, 0, 5, 7));
    expect(isoWithOffset(t, 480)).toBe('2026-12-03T10:00:05.007+08:00');
    expect(isoWithOffset(t, 0)).toBe('2026-12-03T02:00:05.007+00:00');
    expect(isoWithOffset(t, -330)).toBe('2026-12-02T20:30:05.007-05:30');
  });
  it('measures distances on the sphere', () => {
    const a = { latitude: 28.7169, longitude: 115.9602 };
    expect(distanceM(a, a)).toBe(0);
    // One degree of latitude is about 111.2 km.
    expect(distanceM(a, { latitude: 29.7169, longitude: 115.9602 })).toBeCloseTo(111_195, -2);
  });
  it('downscales to the long side and recognises JPEG bytes', () => {
    expect(fitWithin(4000, 3000, 2048)).toEqual({ width: 2048, height: 1536, scaled: true });
    expect(fitWithin(3000, 4000, 2048)).toEqual({ width: 1536, height: 2048, scaled: true });
    expect(fitWithin(2048, 1000, 2048)).toEqual({ width: 2048, height: 1000, scaled: false });
    expect(looksLikeJpeg(new Uint8Array([0xff, 0xd8, 0xff, 0xe1]))).toBe(true);
    expect(looksLikeJpeg(new Uint8Array([0x89, 0x50, 0x4e]))).toBe(false);
    expect(toHex(new Uint8Array([0, 15, 255]).buffer)).toBe('000fff');
  });
  it('compares content as the server and the phone spell it', () => {
    expect(sameContent({ a: { alpha: '0.75' } }, { a: { alpha: 0.75 } })).toBe(true);
    expect(sameContent('2026-12-03T10:00:00+08:00', '2026-12-03T02:00:00.000000Z')).toBe(true);
    expect(sameContent([{ x: 1, y: 2 }], [{ y: 2, x: 1 }])).toBe(true);
    expect(sameContent('a', 'b')).toBe(false);
    expect(sameContent([1, 2], [2, 1])).toBe(false);
  });
  it('re-applies an edit field by field, with conflicts where both changed a field', () => {
    const base = { notes: 'n0', ratings: { '1.1': { level: 3 } }, item_notes: {} };
    const ours = { notes: 'n1', ratings: { '1.1': { level: 3 } }, item_notes: { '1.1': 'x' } };
    expect(rebase(ours, base, { ...base, ratings: { '1.1': { level: 5 } } })).toEqual({ patch: { notes: 'n1', item_notes: { '1.1': 'x' } }, conflicts: [] });
    expect(rebase(ours, base, { ...base, notes: 'theirs' })).toEqual({ patch: { item_notes: { '1.1': 'x' } }, conflicts: ['notes'] });
    // Both made the same change: no conflict.
    expect(rebase(ours, base, { ...base, notes: 'n1' }).conflicts).toEqual([]);
  });
});
