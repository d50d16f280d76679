/** What the scheme screens read: versions, the current one per scheme, engagements per version. */

import { apiFetch } from '../../data/api';
import type { SchemeVersion } from '../types';

export interface SchemeCatalogue {
  versions: SchemeVersion[];
  /** scheme_id → the current version's id. */
  current: Map<string, string>;
  /** version id → how many of my organisation's engagements are planned with it. */
  usage: Map<string, number>;
}

export async function loadCatalogue(): Promise<SchemeCatalogue> {
  const [versions, current, usage] = await Promise.all([
    apiFetch<SchemeVersion[]>('GET', '/api/schemes'),
    apiFetch<{ scheme_id: string; scheme_version_id: string }[]>('GET', '/api/schemes/current'),
    apiFetch<{ scheme_version_id: string; engagements: number }[]>('GET', '/api/schemes/usage'),
  ]);
  return {
    versions: versions.data,
    current: new Map(current.data.map((c) => [c.scheme_id, c.scheme_version_id])),
    usage: new Map(usage.data.map((u) => [u.scheme_version_id, u.engagements])),
  };
}

export async function makeCurrent(versionId: string): Promise<void> {
  await apiFetch('PUT', `/api/schemes/${versionId}/current`);
}

export const CAN_IMPORT = ['admin', 'scheme_manager'];
