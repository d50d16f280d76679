/** Shapes of the planning answers (backend/planning/schemas.py) and the calls the screens share. */

import './planning.css';
import { apiFetch } from '../../data/api';
import type { Text } from '../types';

export interface DocumentRow {
  id: string;
  doc_type: string;
  title: string;
  evidence_id: string;
  sha256: string;
  media_type: string;
  size_bytes: number;
  added_at: string;
}

/** GET /api/applications, one entry (ApplicationSchema). */
export interface Application {
  id: string;
  client: { id: string; name: string };
  scheme_version: { id: string; scheme_id: string; version: string; title: Text };
  kind: string;
  status: string;
  received_on: string;
  note: string;
  units: { id: string; name: string; scope: string | null }[];
  documents: DocumentRow[];
  missing_documents: string[];
  refusal_reasons: string[];
  review_note: string;
  reviewed_at: string | null;
  engagement_id: string | null;
}

export interface DocumentReview {
  id: string;
  outcome: string;
  findings: string;
  requested: string[];
  created_at: string;
}

export interface PersonDays {
  document_review: string | null;
  onsite: string | null;
  extra: string | null;
  extra_reason: string;
  total: string | null;
  units: number;
  source: string;
  section: string;
}

/** The plan's content (what the client receives, backend/planning/plans.py `_content`). */
export interface PlanContent {
  engagement: { id: string; title: string; kind: string; modes: string[]; starts_on: string; ends_on: string };
  client: { name: string; service_provider: string | null };
  scheme: { title: string; title_en: string; version: string };
  units: string[];
  purpose: string;
  basis: string;
  scope: string;
  process: string;
  departments: string;
  sites: { id: string; name: string; address: string }[];
  sampling: {
    service_items: string[];
    survey_targets: { site_id: string; site: string; target: number }[];
    note: string;
    site_count: number;
    /** The service items each mode rates (seed 003); a mode not named rates every item. */
    items_by_mode?: Record<string, string[]>;
  };
  team: { name: string; team_role: string }[];
  person_days: PersonDays;
}

/** GET /api/engagements/<id>/plan (PlanSchema). */
export interface Plan {
  engagement_id: string;
  status: string;
  revision: number;
  confirmed_revision: number | null;
  confirmed_at: string | null;
  issued_at: string | null;
  changed_since_issue: boolean;
  current: PlanContent;
  issued: PlanContent | null;
  issued_sha256: string | null;
  latest_document_review: DocumentReview | null;
  service_items: string[];
  /** The scheme's service items by characteristic: what `items_by_mode` may name. */
  service_model: ServiceGroup[];
}

/** One service characteristic (a chapter of the scheme's Annex 1) and its items. */
export interface ServiceGroup {
  code: string;
  title: { zh: string; en: string };
  items: { code: string; title: { zh: string; en: string } }[];
}

/** One person of GET /api/users/directory (the split helper's endpoint for team leaders). */
export interface DirectoryUser {
  id: string;
  display_name: string;
  role: string;
}

/** The organisation's people a team leader may choose from, by role. */
export async function directory(): Promise<DirectoryUser[]> {
  const { data } = await apiFetch<DirectoryUser[] | { items: DirectoryUser[] }>('GET', '/api/users/directory?active=true');
  return Array.isArray(data) ? data : data.items;
}

/** SHA-256 of a file, hex, as the evidence upload's `X-Content-SHA256` wants it. */
export async function sha256Hex(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Upload a file through the evidence pipeline (PUT /api/evidence/<id>); its id. */
export async function uploadDocument(file: File): Promise<string> {
  const id = crypto.randomUUID();
  await apiFetch('PUT', `/api/evidence/${id}`, {
    body: file,
    headers: { 'X-Content-SHA256': await sha256Hex(file) },
  });
  return id;
}

/** A date as yyyy-mm-dd in China's time zone (the day a Chinese auditor means). */
export function chinaDate(date: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A time as people in China read it (Beijing time), whatever the browser's own zone. */
export function chinaTime(locale: string, iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(locale === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
}
