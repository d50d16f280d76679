/** Datum names and coordinates as the office screens print them. */

import { defineMessages, type HasLocale } from '../messages';

export const datumLabel = defineMessages(
  {
    wgs84: 'WGS-84（GPS、手机定位）',
    gcj02: 'GCJ-02（高德、腾讯地图）',
    bd09: 'BD-09（百度地图）',
  },
  {
    wgs84: 'WGS-84 (GPS, phone location)',
    gcj02: 'GCJ-02 (Amap, Tencent Maps)',
    bd09: 'BD-09 (Baidu Maps)',
  },
) as (app: HasLocale, key: string) => string;

export const DATUMS = ['wgs84', 'gcj02', 'bd09'] as const;

/** Six decimals: about 0.1 m, finer than any phone's GPS. */
export function formatPoint(p: { latitude: number; longitude: number } | null | undefined): string {
  return p ? `${p.latitude.toFixed(6)}, ${p.longitude.toFixed(6)}` : '';
}
