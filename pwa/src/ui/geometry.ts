/**
 * Positions on the review plot: metres east/north of the site (a local equirectangular
 * projection, exact enough within a few kilometres), scaled into a square viewBox.
 * DOM-free, unit-tested.
 */

const EARTH_RADIUS_M = 6_371_008.8;

export interface LatLon {
  latitude: number;
  longitude: number;
}

/** Metres east (x) and north (y) of `origin`. */
export function localMetres(origin: LatLon, point: LatLon): { x: number; y: number } {
  const rad = Math.PI / 180;
  const x = (point.longitude - origin.longitude) * rad * Math.cos(origin.latitude * rad) * EARTH_RADIUS_M;
  const y = (point.latitude - origin.latitude) * rad * EARTH_RADIUS_M;
  return { x, y };
}

export interface PlotFrame {
  /** Half the width of the square shown, metres. */
  halfSpanM: number;
  /** viewBox size (square), user units. */
  size: number;
  /** Site → plot coordinates (SVG y grows downwards). */
  toPlot(point: LatLon): { x: number; y: number };
  /** Metres → plot units. */
  scale(metres: number): number;
}

/**
 * A frame centred on the site, wide enough for the geofence and every point (with their
 * accuracy circles), at least 1.25 × the geofence so the fence is visible as a circle.
 */
export function plotFrame(site: LatLon, geofenceM: number, points: readonly (LatLon & { accuracy_m?: number | null })[], size = 300): PlotFrame {
  let half = Math.max(geofenceM * 1.25, 50);
  for (const point of points) {
    const { x, y } = localMetres(site, point);
    const reach = Math.max(Math.abs(x), Math.abs(y)) + Math.min(point.accuracy_m ?? 0, 2_000);
    half = Math.max(half, reach * 1.1);
  }
  const unit = size / 2 / half;
  return {
    halfSpanM: half,
    size,
    toPlot(point) {
      const { x, y } = localMetres(site, point);
      return { x: size / 2 + x * unit, y: size / 2 - y * unit };
    },
    scale(metres) {
      return metres * unit;
    },
  };
}
