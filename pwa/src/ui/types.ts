/**
 * Shapes of the server answers the screens read (the backend features' schemas.py files). The
 * shapes the data layer also sends or reads (evaluations, GPS fixes, ratings) live once in
 * shared/wire.ts and are re-exported here.
 */
import type { EvaluationAnswer, GeoFix } from '../shared/wire';

export type { EvaluationSummary, ReviewActions } from '../shared/wire';
/** GET /api/evaluations/<id> (shared/wire.ts EvaluationAnswer). */
export type Evaluation = EvaluationAnswer;
/** A GPS fix as the server stores it: the phone's own shape. */
export type StoredFix = GeoFix;

export interface Text {
  zh: string;
  en: string;
}

export interface FieldSite {
  id: string;
  name: string;
  address: string;
  location: { latitude: number; longitude: number; datum: string };
  geofence_radius_m: number;
}

export interface FieldScale {
  code: string;
  kind: string;
  title: Text | null;
  bands: { level: number; label: Text | null }[];
  maximum: string | null;
}

export interface FieldItem {
  code: string;
  points: string;
  characteristic: { code: string; title: Text | null };
  title: Text | null;
  text: Text | null;
  dimension: string | null;
  scale: string;
  bonus: boolean;
}

export interface FieldScheme {
  id: string;
  scheme_id: string;
  version: string;
  title: Text;
  scales: FieldScale[];
  items: FieldItem[];
}

/** GET /api/me/assignments, one entry. */
export interface FieldAssignment {
  id: string;
  version: number;
  engagement: { id: string; title: string };
  mode: string;
  status: string;
  window_start: string;
  window_end: string;
  instructions: string;
  site: FieldSite;
  scheme: FieldScheme;
}

/** What every answer about an engagement says first. */
interface EngagementHead {
  id: string;
  title: string;
  status: string;
  modes: string[];
}

/** GET /api/fieldapp/engagements/<id>/packet. */
export interface EngagementPacket extends EngagementHead {
  sites: FieldSite[];
  scheme: FieldScheme;
  /**
   * The audit plan's service items per mode (seed 003: which items are inspected openly, which
   * experienced unannounced); a mode not named rates every item. Absent from an older server.
   */
  items_by_mode?: Record<string, string[]>;
}

/**
 * A Likert band as the standard writes it, e.g. `0.2 < α ≤ 0.4` (§5.1.1 2)). α values are JSON
 * numbers (issue 9, C8); a copy cached from an older server may hold text (see bandContains).
 */
export interface AlphaBand {
  level: number;
  min: number;
  min_inclusive: boolean;
  max: number;
  max_inclusive: boolean;
  level_alpha: number;
}

/** GET /api/fieldapp/schemes/<id>/scales, one entry. */
export interface ScaleWithBands {
  code: string;
  kind: string;
  title: Text;
  bands: (AlphaBand & { label: Text })[];
  maximum: string | null;
}

/** GET /api/engagements, one entry. */
export interface Engagement extends EngagementHead {
  client: { id: string; name: string };
  sites: { id: string; name: string; address: string }[];
  scheme_version: { id: string; title: Text };
  /** The audit team (backend/engagements/schemas.py TeamMemberSchema). */
  team?: { user_id: string; display_name: string; team_role: string }[];
}

/** GET /api/survey-campaigns?engagement_id=…, one entry (backend/surveys/schemas.py CampaignSchema). */
export interface SurveyCampaign {
  id: string;
  engagement_id: string;
  title: string;
  instructions: string;
  opens_at: string;
  closes_at: string;
  /** not_open, open or closed when the server answered (the phone recomputes it offline). */
  state: string;
  questions: { item: string; zh: string; en: string }[];
  sites: { id: string; site_id: string; site_name: string; code: string; target: number }[];
  contact_retention_days: number;
}

export interface IntegrityReport {
  evaluation_id: string;
  version: number;
  checks: { check: string; status: string; note: Text | null }[];
  flags: { code: string; check: string; severity: string; message: Text; evidence_id: string | null }[];
}

/** GET /api/evidence/<id> (staff view). */
export interface EvidenceRecord {
  id: string;
  sha256: string;
  size_bytes: number;
  captured_at: string | null;
  received_at: string;
  capture: { latitude: number; longitude: number; accuracy_m: number | null } | null;
}
