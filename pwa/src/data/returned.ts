/**
 * Learning that a visit came back (docs/sync.md "Reconcile"): GET /api/sync/mine lists the
 * server's evaluations of this user with their status and version; for each one that is
 * `returned` (or whose version moved) the evaluation itself is read for the auditor's comment
 * and the content. Worker-safe: the service worker runs it when a "returned" push arrives.
 */
import { apiFetch } from './api';
import { transact } from './db';
import { announceChange } from './events';
import { allEntries, entriesOf } from './outbox-store';
import type { EvaluationAnswer, Rating } from '../shared/wire';
import { blankDraft } from './drafts';
import type { VisitDraft } from './types';

interface MineAnswer {
  server_time: string;
  evaluations: { id: string; version: number; content_hash: string; status: string; updated_at: string }[];
}

/** The comment of the latest return (events are in time order; take the last `returned`). */
export function returnCommentOf(events: readonly { to_status: string; comment: string | null; at?: string }[]): string | null {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const e = events[i];
    if (e !== undefined && e.to_status === 'returned') return e.comment ?? null;
  }
  return null;
}

/**
 * α is a JSON number in and out (docs/sync.md); a server before issue 9 answered it as text
 * ("0.75"), so text is still turned back into a number before the shopper edits and resends it.
 */
export function ratingsFromServer(ratings: Record<string, unknown>): Record<string, Rating> {
  const out: Record<string, Rating> = {};
  for (const [item, raw] of Object.entries(ratings ?? {})) {
    const r = { ...(raw as Record<string, unknown>) };
    if (typeof r['alpha'] === 'string' && r['alpha'].trim() !== '' && Number.isFinite(Number(r['alpha']))) {
      r['alpha'] = Number(r['alpha']);
    }
    out[item] = r as Rating;
  }
  return out;
}

/**
 * Pull the server's view of my evaluations and mark returned drafts (with the comment, the
 * server's version for If-Match, and the server's content, which is what the auditor saw).
 * A returned visit this phone does not have (another phone, storage cleared) becomes a draft.
 * Drafts with entries still in the outbox are left alone: the outbox is newer than the server.
 * Resolves with the ids of the visits that became `returned`.
 */
export async function refreshReturned(): Promise<string[]> {
  const { data: mine } = await apiFetch<MineAnswer>('GET', '/api/sync/mine');
  const local = await transact(['drafts', 'outbox'], 'readonly', async (tx) => {
    const drafts = await tx.getAll('drafts');
    const busy = new Set((await allEntries(tx)).map((e) => e.draftId));
    return { drafts: new Map(drafts.map((d) => [d.id, d])), busy };
  });
  const returned: string[] = [];
  for (const ev of mine.evaluations) {
    if (local.busy.has(ev.id)) continue;
    const draft = local.drafts.get(ev.id);
    if (ev.status !== 'returned') {
      // Keep the server's status in view (accepted, rejected, ...) for the visit list.
      if (draft !== undefined && (draft.serverStatus !== ev.status || draft.serverVersion !== ev.version)) {
        await transact(['drafts'], 'readwrite', async (tx) => {
          const d = await tx.get('drafts', ev.id);
          if (d === undefined) return;
          await tx.put('drafts', {
            ...d,
            serverStatus: ev.status,
            serverVersion: ev.version,
            status: d.status === 'returned' ? 'synced' : d.status,
          });
        });
      }
      continue;
    }
    if (draft !== undefined && draft.status === 'returned' && draft.serverVersion === ev.version && draft.serverStatus === 'returned') {
      continue; // known already (and maybe being corrected: keep the shopper's edits)
    }
    const { data, etag } = await apiFetch<EvaluationAnswer>('GET', `/api/evaluations/${ev.id}`);
    const version = etag !== null && /"v(\d+)"/.test(etag) ? Number(/"v(\d+)"/.exec(etag)?.[1]) : data.version;
    await transact(['drafts', 'outbox'], 'readwrite', async (tx) => {
      if ((await entriesOf(tx, ev.id)).length > 0) return; // queued meanwhile
      const current = await tx.get('drafts', ev.id);
      const base: VisitDraft =
        current ??
        blankDraft(data.id, { engagementId: data.engagement_id, siteId: data.site_id, assignmentId: data.assignment_id, mode: data.mode });
      const c = data.content;
      await tx.put('drafts', {
        ...base,
        // The server's content is what was reviewed; the shopper corrects that.
        ratings: ratingsFromServer(c.ratings),
        notes: c.notes,
        itemNotes: c.item_notes,
        startedAt: c.started_at,
        endedAt: c.ended_at,
        gpsFixes: c.gps_fixes,
        photos: c.evidence.map((e) => ({ photoId: e.evidence_id, item: e.item })),
        status: 'returned',
        serverStatus: 'returned',
        serverVersion: version,
        contentHash: c.content_hash ?? null,
        baseContent: {
          ratings: c.ratings,
          notes: c.notes,
          item_notes: c.item_notes,
          started_at: c.started_at,
          ended_at: c.ended_at,
          gps_fixes: c.gps_fixes,
          evidence: c.evidence,
        },
        returnComment: returnCommentOf(data.events ?? []),
        syncError: null,
        updatedAt: new Date().toISOString(),
      });
      returned.push(ev.id);
    });
  }
  if (returned.length > 0) announceChange('returned');
  return returned;
}
