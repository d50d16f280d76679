import { describe, expect, it } from 'vitest';
import { localMetres, plotFrame } from '../../src/ui/geometry';

const site = { latitude: 28.71689, longitude: 115.96021 };

describe('localMetres', () => {
  it('puts a point 0.001° north about 111 m above the site', () => {
    const { x, y } = localMetres(site, { latitude: site.latitude + 0.001, longitude: site.longitude });
    expect(x).toBeCloseTo(0, 6);
    expect(y).toBeGreaterThan(110.5);
    expect(y).toBeLessThan(111.5);
  });

  it('shrinks longitude degrees with the cosine of the latitude', () => {
    const { x } = localMetres(site, { latitude: site.latitude, longitude: site.longitude + 0.001 });
    expect(x).toBeCloseTo(111.195 * Math.cos((site.latitude * Math.PI) / 180), 1);
  });
});

describe('plotFrame', () => {
  it('centres the site and keeps the geofence inside the square', () => {
    const frame = plotFrame(site, 200, [], 300);
    expect(frame.toPlot(site)).toEqual({ x: 150, y: 150 });
    expect(frame.scale(200)).toBeLessThan(150);
  });

  it('widens to show a far fix with its accuracy circle, north up', () => {
    const far = { latitude: site.latitude + 0.01, longitude: site.longitude, accuracy_m: 30 };
    const frame = plotFrame(site, 200, [far], 300);
    const p = frame.toPlot(far);
    expect(p.y).toBeLessThan(150);
    expect(p.y - frame.scale(30)).toBeGreaterThanOrEqual(0);
    expect(frame.halfSpanM).toBeGreaterThan(1_100);
  });
});
