import { describe, expect, it } from 'vitest';
import { bandContains, describeBand, levelOfAlpha, mapLinks } from '../../src/ui/format';

const bands = [1, 2, 3, 4, 5].map((level) => ({
  level,
  min: level === 1 ? 0 : (level - 1) / 5,
  min_inclusive: level === 1,
  max: level / 5,
  max_inclusive: true,
  level_alpha: level / 5,
}));

describe('α bands (§5.1.1 2))', () => {
  it('writes a band as the standard does', () => {
    expect(describeBand(bands[1]!)).toBe('0.2 < α ≤ 0.4');
    expect(describeBand(bands[0]!)).toBe('0 ≤ α ≤ 0.2');
  });

  it('puts 0.2 in level 1 and anything above it in level 2', () => {
    expect(levelOfAlpha(bands, 0.2)).toBe(1);
    expect(levelOfAlpha(bands, 0.2000001)).toBe(2);
    expect(levelOfAlpha(bands, 0)).toBe(1);
    expect(levelOfAlpha(bands, 1)).toBe(5);
    expect(levelOfAlpha(bands, 1.2)).toBeNull();
    expect(bandContains(bands[4]!, 0.8)).toBe(false);
  });
});

describe('mapLinks', () => {
  it('gives a geo: URI and an Amap marker in WGS-84, longitude first for Amap', () => {
    const links = mapLinks(28.71689, 115.96021, '项目部');
    expect(links.geo.startsWith('geo:28.71689,115.96021')).toBe(true);
    expect(links.amap).toContain('position=115.96021,28.71689');
    expect(links.amap).toContain('coordinate=wgs84');
    expect(links.amap).toContain(encodeURIComponent('项目部'));
  });
});
