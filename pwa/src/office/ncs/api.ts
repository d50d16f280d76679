/**
 * Nonconformities (不符合项, CQC rule §5.2.3.1, §7.4 b): the API's shapes (backend/nonconformities
 * /schemas.py), their labels, and the rectification-evidence upload both screens use.
 */

import './ncs.css';
import { apiFetch } from '../../data/api';
import { sha256Hex } from '../../data/photo-store';
import { h } from '../../ui/h';
import { statusChip, type ChipTone } from '../kit';
import { defineMessages, type HasLocale } from '../messages';
import type { Text } from '../types';

export interface Nonconformity {
  id: string;
  engagement_id: string;
  engagement_title: string;
  engagement_kind: string;
  number: number;
  clause: string;
  finding: string;
  stage: 'open' | 'answered' | 'closed';
  source: string | null;
  opened_by_id: string | null;
  opened_on: string;
  typical_due: string;
  latest_due: string;
  rule_section: string;
  on_miss: 'audit_failed' | 'certificate_suspended';
  overdue: boolean;
  consequence: string | null;
  consequence_on: string | null;
  days_left: number;
  reminder: 'typical' | 'latest' | null;
  explanation: { zh: string; en: string; section: string };
  cause: string | null;
  correction: string | null;
  answered_at: string | null;
  returned_comment: string | null;
  verification_method: 'written' | 'on_site' | null;
  verification: string | null;
  rejudged: string | null;
  rejudged_label: Text | null;
  equivalent_reason: string | null;
  closed_on: string | null;
  evidence: { finding: string[]; finding_count: number; answer: string[] };
  rejudgement_cap: string;
  rejudgement_allowed: { code: string; label: Text }[];
}

export const m = defineMessages(
  {
    open: '待整改',
    answered: '待验证',
    closed: '已关闭',
    overdue: '已逾期',
    audit_failed: '现场审查不通过',
    certificate_suspended: '证书暂停',
    written: '书面验证',
    on_site: '现场验证',
    deadlines: '整改期限：通常至 {typical}，最迟 {latest}',
    daysLeft: '距最迟期限还有 {n} 天',
    daysPast: '已超过最迟期限 {n} 天',
    remindTypical: '整改期限将至：请在 {date} 前提交整改。',
    remindLatest: '最迟整改期限将至：{date} 后将按限期未完成整改处理。',
    uploadFailed: '上传失败：{message}',
    closedOn: '已于 {date} 关闭',
  },
  {
    open: 'To rectify',
    answered: 'To verify',
    closed: 'Closed',
    overdue: 'Overdue',
    audit_failed: 'On-site audit failed',
    certificate_suspended: 'Certificate suspended',
    written: 'Written verification',
    on_site: 'On-site verification',
    deadlines: 'Deadline: typically {typical}, at the latest {latest}',
    daysLeft: '{n} days to the latest deadline',
    daysPast: '{n} days past the latest deadline',
    remindTypical: 'Deadline near: answer by {date}.',
    remindLatest: 'Latest deadline near: after {date} it counts as not rectified in time.',
    uploadFailed: 'Upload failed: {message}',
    closedOn: 'Closed on {date}',
  },
);

const TONES: Record<Nonconformity['stage'], ChipTone> = { open: 'warn', answered: 'info', closed: 'good' };

export function stageChip(app: HasLocale, nc: Nonconformity): HTMLElement {
  if (nc.consequence !== null) return statusChip(nc.consequence, m(app, nc.consequence as 'audit_failed'), 'bad');
  if (nc.overdue && nc.stage !== 'closed') return statusChip('overdue', m(app, 'overdue'), 'bad');
  return statusChip(nc.stage, m(app, nc.stage), TONES[nc.stage]);
}

export function deadlineText(app: HasLocale, nc: Nonconformity): string {
  return m(app, 'deadlines', { typical: nc.typical_due, latest: nc.latest_due });
}

export function daysText(app: HasLocale, nc: Nonconformity): string {
  if (nc.stage === 'closed') return m(app, 'closedOn', { date: nc.closed_on ?? '' });
  return nc.days_left >= 0 ? m(app, 'daysLeft', { n: nc.days_left }) : m(app, 'daysPast', { n: -nc.days_left });
}

/** The portal's reminder (the same rule as the push reminders: backend deadlines.reminder_due). */
export function reminderBanner(app: HasLocale, nc: Nonconformity): HTMLElement | null {
  if (nc.reminder === null || nc.stage === 'closed') return null;
  const text = nc.reminder === 'latest' ? m(app, 'remindLatest', { date: nc.latest_due }) : m(app, 'remindTypical', { date: nc.typical_due });
  return h('p', { class: 'warning nc-reminder', role: 'status', 'data-reminder': nc.reminder }, text);
}

/** Thumbnails of evidence the viewer may see (`/api/evidence/<id>/thumbnail`). */
export function thumbnails(ids: readonly string[]): HTMLElement {
  return h(
    'div',
    { class: 'nc-photos' },
    ids.map((id) =>
      h('a', { href: `/api/evidence/${id}/display`, target: '_blank', rel: 'noopener', 'data-evidence-id': id },
        h('img', { src: `/api/evidence/${id}/thumbnail`, alt: id.slice(0, 8), loading: 'lazy', width: 96, height: 96 })),
    ),
  );
}

/**
 * Upload one file through the evidence pipeline (idempotent by id, checked by SHA-256): the
 * client's rectification evidence to the nonconformity's upload, staff's to /api/evidence.
 */
export async function uploadEvidence(file: Blob, ncId: string | null): Promise<string> {
  const id = crypto.randomUUID();
  const sha256 = await sha256Hex(file);
  const path = ncId === null ? `/api/evidence/${id}` : `/api/nonconformities/${ncId}/evidence/${id}`;
  const name = file instanceof File ? encodeURIComponent(file.name) : '';
  const headers: Record<string, string> = { 'X-Content-SHA256': sha256 };
  if (name) headers['X-Original-Filename'] = name;
  await apiFetch('PUT', path, { body: file, headers });
  return id;
}
