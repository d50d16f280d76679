/** Shapes of the server answers the office screens read (the backend features' schemas.py). */

import type { Engagement as FieldEngagement, Text } from '../ui/types';

export type { Text };

/** GET /api/users, one entry (backend/users/schemas.py ManagedUserSchema). */
export interface ManagedUser {
  id: string;
  email: string;
  display_name: string;
  role: string;
  is_active: boolean;
  created_at: string;
  client_id: string | null;
  organisation: { id: string; name: string } | null;
}

/** GET /api/audit (backend/audit/schemas.py). */
export interface AuditEntry {
  id: number;
  at: string;
  actor_id: string | null;
  device_id: string | null;
  action: string;
  object_type: string;
  object_id: string | null;
  reason: string | null;
  details: Record<string, unknown>;
  ip: string | null;
}

export interface AuditPage {
  items: AuditEntry[];
  next_before_id: number | null;
}

/** GET /api/schemes, one entry (backend/schemes/schemas.py SchemeVersionSchema). */
export interface SchemeVersion {
  id: string;
  scheme_id: string;
  version: string;
  content_hash: string;
  status: string;
  title: Text;
  imported_at: string;
  imported_by_id: string | null;
}

/** GET /api/engagements, one entry (backend/engagements/schemas.py EngagementSchema). */
export interface Engagement extends FieldEngagement {
  kind: string;
  status: string;
  starts_on: string;
  ends_on: string;
  modes: string[];
  scheme_version: { id: string; scheme_id?: string; version?: string; title: Text };
}

/** GET /api/clients, one entry. */
export interface Client {
  id: string;
  name: string;
  service_provider: string | null;
  created_at: string;
}

export interface Unit {
  id: string;
  client_id: string;
  name: string;
  scope: string | null;
  created_at: string;
}

export interface SiteLocation {
  latitude: number;
  longitude: number;
  datum: string;
}

export interface Site {
  id: string;
  unit_id: string;
  name: string;
  address: string;
  location: SiteLocation;
  entered_location: SiteLocation | null;
  geofence_radius_m: number;
  created_at: string;
}
