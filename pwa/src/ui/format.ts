/**
 * Formatting shared by the screens: dates in the phone's time zone, sizes, α bands, map links.
 * DOM-free, unit-tested in test/ui.
 */

import type { Locale } from '../i18n';
import type { AlphaBand } from './types';

export type { AlphaBand };

/** `2026-12-03T02:00:00+00:00` → `12月3日 10:00` (zh) / `3 Dec 10:00` (en), in local time. */
export function formatDateTime(iso: string | null | undefined, locale: Locale): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(locale, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
}

export function formatTime(iso: string | null | undefined, locale: Locale): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** A visit window: the end drops the date when it is the same day. */
export function formatWindow(start: string, end: string, locale: Locale): string {
  const a = new Date(start);
  const b = new Date(end);
  const sameDay = a.toDateString() === b.toDateString();
  return sameDay
    ? `${formatDateTime(start, locale)} – ${b.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12: false })}`
    : `${formatDateTime(start, locale)} – ${formatDateTime(end, locale)}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

export function formatMetres(metres: number): string {
  return metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(2)} km`;
}

export function describeBand(band: AlphaBand): string {
  return `${band.min} ${band.min_inclusive ? '≤' : '<'} α ${band.max_inclusive ? '≤' : '<'} ${band.max}`;
}

/** Whether an exact α lies in the band (Number(): a copy cached from an older server has text). */
export function bandContains(band: AlphaBand, alpha: number): boolean {
  const min = Number(band.min);
  const max = Number(band.max);
  const above = band.min_inclusive ? alpha >= min : alpha > min;
  const below = band.max_inclusive ? alpha <= max : alpha < max;
  return above && below;
}

/** The level whose band holds `alpha`, or null outside every band. */
export function levelOfAlpha(bands: readonly AlphaBand[], alpha: number): number | null {
  for (const band of bands) if (bandContains(band, alpha)) return band.level;
  return null;
}

/**
 * Map links for a WGS-84 position: `geo:` opens the phone's map app (Android), Amap's URI API
 * converts WGS-84 itself (`coordinate=wgs84`). Plain links: no tiles, no scripts, no CDN.
 */
export function mapLinks(latitude: number, longitude: number, name: string): { geo: string; amap: string } {
  const q = encodeURIComponent(name);
  return {
    geo: `geo:${latitude},${longitude}?q=${latitude},${longitude}(${q})`,
    amap: `https://uri.amap.com/marker?position=${longitude},${latitude}&name=${q}&coordinate=wgs84&callnative=1`,
  };
}
