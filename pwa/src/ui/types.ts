/** Shapes of the server answers the screens read (the backend features schemas.py files). */

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

/** GET /api/fieldapp/engagements/<id>/packet. */
export interface EngagementPacket {
  id: string;
  title: string;
  status: string;
  modes: string[];
  sites: FieldSite[];
  scheme: FieldScheme;
}

/** GET /api/fieldapp/schemes/<id>/scales, one entry. */
export interface ScaleWithBands {
  code: string;
  kind: string;
  title: Text;
  bands: {
    level: number;
    label: Text;
    /** α values are JSON numbers (issue 9, C8). */
    min: number;
    min_inclusive: boolean;
    max: number;
    max_inclusive: boolean;
    level_alpha: number;
  }[];
  maximum: string | null;
}

/** GET /api/engagements, one entry. */
export interface Engagement {
  id: string;
  title: string;
  status: string;
  modes: string[];
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

export interface EvaluationSummary {
  id: string;
  site_id: string;
  assignment_id: string | null;
  mode: string;
  status: string;
  version: number;
  evaluator: { id: string; display_name: string };
  created_at: string;
  updated_at: string;
  submitted_at: string | null;
}

export interface StoredFix {
  latitude: number;
  longitude: number;
  accuracy_m: number;
  captured_at: string;
}

export interface Evaluation extends EvaluationSummary {
  engagement_id: string;
  status_reason: string | null;
  content: {
    number: number;
    ratings: Record<string, { level?: number; alpha?: number; na?: boolean; reason?: string }>;
    notes: string;
    item_notes: Record<string, string>;
    started_at: string | null;
    ended_at: string | null;
    gps_fixes: StoredFix[];
    evidence: { evidence_id: string; item: string | null }[];
  };
  events: { actor_id: string; from_status: string | null; to_status: string; version: number; comment: string | null; at: string }[];
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
