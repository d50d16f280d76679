/**
 * Shapes of the review, decision and certificate answers (backend/decisions/schemas.py,
 * backend/certificates/schemas.py) and the words the decide screens share.
 */

import { ApiError } from '../../data/api';
import type { HasLocale } from '../messages';
import { defineMessages } from '../messages';
import { statusChip, type ChipTone } from '../kit';
import type { Text } from '../types';

export interface ChecklistLine {
  key: string;
  title: Text;
  applies: boolean;
  complete: boolean;
  summary: Text;
  numbers: Record<string, unknown>;
}

export interface SchemeDecision {
  outcome: string;
  row: string | null;
  grade: Text | null;
  explanation: unknown;
}

export interface ReviewRecord {
  reviewer_id: string;
  checklist: Record<string, { confirmed: boolean; note: string; summary: Text }>;
  conclusion: 'recommend' | 'not_recommend';
  comment: string;
  reviewed_at: string;
}

export interface DecisionRecord {
  decided_by_id: string;
  approved: boolean;
  reasons: string;
  outcome: string;
  row: string | null;
  grade: Text | null;
  scores: Record<string, number | null>;
  service_score: number | null;
  decided_at: string;
}

/** GET /api/engagements/<id>/file (§6.1). */
export interface EngagementFile {
  engagement_id: string;
  scheme: { id: string; version: string; title: Text };
  complete: boolean;
  missing: string[];
  checklist: ChecklistLine[];
  characteristic_scores: Record<string, number | null>;
  scheme_decision: SchemeDecision | null;
  review: ReviewRecord | null;
  decision: DecisionRecord | null;
}

export interface CertificateFields {
  number: string;
  client: string;
  provider: string;
  scope: string;
  modes: string[];
  basis: string;
  issued_on: string;
  valid_until: string;
  body: string;
  grade: string | null;
  scores: Record<string, number>;
  changed_on: string | null;
}

/** GET /api/certificates/<id> (§9). */
export interface Certificate {
  id: string;
  engagement_id: string;
  number: string;
  fields: CertificateFields;
  issued_on: string;
  valid_until: string;
  issue_by: string;
  issued_late: boolean;
  changed_on: string | null;
  status: 'active' | 'suspended' | 'withdrawn' | 'expired';
  status_zh: string;
  scans: number;
  payload: string;
  fingerprint: string;
  key_id: string;
  verification_url: string;
  pdf_url: string;
  titles: Record<string, string>;
  changes: { changed_on: string; kind: string; reason: string; before: Record<string, unknown>; after: Record<string, unknown> }[];
}

export const words = defineMessages(
  {
    active: '有效',
    suspended: '暂停',
    withdrawn: '撤销',
    expired: '过期',
    certified: '予以认证',
    not_certified: '不予认证',
    recommend: '建议认证',
    not_recommend: '不建议认证',
    conflict: '您曾是（或现在是）该项目审查组的成员，按认证规则（§6.1、§6.2）不能复核或决定该项目。服务器已拒绝：请由未参加审查的复核人处理。',
    forbidden: '您的角色不能复核或决定认证项目。服务器已拒绝。',
    notFound: '找不到该认证项目（或不属于本机构）。',
  },
  {
    active: 'Active',
    suspended: 'Suspended',
    withdrawn: 'Withdrawn',
    expired: 'Expired',
    certified: 'Certify',
    not_certified: 'Do not certify',
    recommend: 'Recommends certification',
    not_recommend: 'Does not recommend certification',
    conflict: 'You are (or were) on this engagement’s audit team, so the certification rule (§6.1, §6.2) does not let you review or decide it. The server refused: a reviewer who was not on the team must do it.',
    forbidden: 'Your role may not review or decide engagements. The server refused.',
    notFound: 'No such engagement in your organisation.',
  },
);

const TONES: Record<Certificate['status'], ChipTone> = { active: 'good', suspended: 'warn', withdrawn: 'bad', expired: 'neutral' };

export function certificateChip(app: HasLocale, c: Pick<Certificate, 'status'>): HTMLElement {
  return statusChip(c.status, words(app, c.status), TONES[c.status]);
}

/** The refusal of the file in plain words (`CONFLICT_OF_INTEREST` is the independence rule). */
export function refusalText(app: HasLocale, error: ApiError): string {
  if (error.code === 'CONFLICT_OF_INTEREST') return words(app, 'conflict');
  if (error.code === 'FORBIDDEN') return words(app, 'forbidden');
  if (error.code === 'NOT_FOUND') return words(app, 'notFound');
  return error.message;
}

export function textOf(app: HasLocale, text: Text | null | undefined): string {
  if (!text) return '';
  return app.i18n.locale === 'en' ? text.en : text.zh;
}

/** Two decimals, as the decision rules show scores. */
export function score(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(2);
}
