/**
 * On-site audit records on the phone (IndexedDB store 'onsite', data/db.ts v3) and their outbox
 * entries: saving keeps a draft on the phone; queueing writes the record's new state and its
 * PUT /api/onsite-records/<id> (with submit) in ONE transaction (persist first, then send), so
 * data/replay.ts sends it exactly once, whenever the network is back.
 */
import { apiFetch } from '../data/api';
import { transact } from '../data/db';
import { announceChange } from '../data/events';
import { enqueue, enqueued, entriesOf, remove } from '../data/outbox-store';
import type { StoredOnsiteRecord } from '../data/types';
import { EDITABLE_STATUSES } from '../shared/outcome';
import { cited } from './rules';

export function newId(): string {
  return crypto.randomUUID();
}

export async function getOnsite(id: string): Promise<StoredOnsiteRecord | undefined> {
  return transact(['onsite'], 'readonly', (tx) => tx.get('onsite', id));
}

export async function listOnsite(): Promise<StoredOnsiteRecord[]> {
  const all = await transact(['onsite'], 'readonly', (tx) => tx.getAll('onsite'));
  return all.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

/** Keep the record on this phone as a draft (not sent). Refused once queued or sent. */
export async function saveOnsite(record: Omit<StoredOnsiteRecord, 'state' | 'error' | 'savedAt' | 'sentAt' | 'serverStatus' | 'serverVersion' | 'returned'>): Promise<void> {
  await transact(['onsite'], 'readwrite', async (tx) => {
    const existing = await tx.get('onsite', record.id);
    if (existing !== undefined && existing.state !== 'draft' && existing.state !== 'blocked') {
      throw new Error('This record is already queued or sent');
    }
    await tx.put('onsite', {
      ...record,
      state: 'draft',
      error: null,
      savedAt: new Date().toISOString(),
      sentAt: null,
      serverStatus: existing?.returned ? 'returned' : null,
      serverVersion: existing?.returned ? existing.serverVersion : null,
      returned: existing?.returned ?? null,
    });
  });
  announceChange('draft');
}

/** Queue the saved record for the team leader's review (PUT with submit: true). */
export async function queueOnsite(id: string): Promise<void> {
  await transact(['onsite', 'photos', 'outbox', 'meta'], 'readwrite', async (tx) => {
    const stored = await tx.get('onsite', id);
    if (stored === undefined) throw new Error(`No on-site record ${id} on this phone`);
    if (stored.state === 'queued' || stored.state === 'sent') return;
    await tx.put('onsite', { ...stored, state: 'queued', error: null });
    // Its evidence photos first (the same outbox, in order): the record cites them by id.
    for (const photo of await tx.byIndex('photos', 'evaluationId', id)) {
      if (!photo.meta.confirmed && cited(stored.content).has(photo.id)) await enqueue(tx, { kind: 'evidence', draftId: id, photoId: photo.id });
    }
    // A refused entry of this record (a 422 fixed on the phone since) gives way to the new one.
    for (const e of await entriesOf(tx, id)) if (e.state === 'blocked' && e.kind === 'onsite' && e.seq !== undefined) await remove(tx, e.seq);
    await enqueue(tx, {
      kind: 'onsite',
      draftId: id,
      body: { engagement_id: stored.engagementId, kind: stored.kind, content: stored.content, submit: true },
      // A returned record: sent as a correction (PATCH, If-Match the returned version).
      ...(stored.returned ? { ifMatch: stored.returned.version } : {}),
    });
  });
  enqueued();
}

interface ServerRecord {
  id: string;
  engagement_id: string;
  kind: StoredOnsiteRecord['kind'];
  status: string;
  version: number;
  auditor_id: string;
  content: Record<string, unknown>;
  history: { to_status: string; comment: string | null }[];
}

/**
 * Pull back my records the team leader returned (needs the network; CQC review like visits):
 * each becomes a draft on this phone again with the server's content, the comment and the
 * version to correct. A record still in the outbox is left alone (the phone is newer). Resolves
 * with the ids pulled back.
 */
export async function pullReturned(engagementIds: string[], me: string): Promise<string[]> {
  const pulled: string[] = [];
  for (const engagementId of engagementIds) {
    const { data } = await apiFetch<ServerRecord[]>('GET', `/api/engagements/${engagementId}/onsite-records`);
    for (const r of data) {
      if (r.auditor_id !== me || r.status !== 'returned' || r.kind === 'pair_rating') continue;
      const comment = [...r.history].reverse().find((e) => e.to_status === 'returned')?.comment ?? null;
      const changed = await transact(['onsite', 'outbox'], 'readwrite', async (tx) => {
        const local = await tx.get('onsite', r.id);
        if (local?.returned?.version === r.version) return false;
        if (local !== undefined && (local.state === 'queued' || (await entriesOf(tx, r.id)).length > 0)) return false;
        await tx.put('onsite', {
          id: r.id,
          engagementId: r.engagement_id,
          kind: r.kind,
          content: r.content,
          state: 'draft',
          error: null,
          savedAt: new Date().toISOString(),
          sentAt: local?.sentAt ?? null,
          serverStatus: 'returned',
          serverVersion: r.version,
          returned: { version: r.version, comment },
        });
        return true;
      });
      if (changed) pulled.push(r.id);
    }
  }
  if (pulled.length) announceChange('draft');
  return pulled;
}

/**
 * Settle a correction that met 412 (the record changed on the server since it was returned;
 * data/replay.ts kept the server's copy in `conflict`), in one transaction with the outbox:
 *
 * - `'mine'`: re-apply this phone's correction on the server's current version (a new PATCH,
 *   If-Match that version, the refused one dropped). Only while the server's record is still the
 *   auditor's to correct (draft, returned): otherwise the correction could only be refused.
 * - `'server'`: give up this phone's correction and take the server's record: returned, it is
 *   a draft to correct again (with the team leader's latest comment); else it is sent.
 */
export async function resolveConflict(id: string, choice: 'mine' | 'server'): Promise<void> {
  await transact(['onsite', 'outbox', 'meta'], 'readwrite', async (tx) => {
    const stored = await tx.get('onsite', id);
    const server = stored?.conflict;
    if (stored === undefined || !server) throw new Error(`No conflict to settle for ${id}`);
    for (const e of await entriesOf(tx, id)) if (e.state === 'blocked' && e.seq !== undefined) await remove(tx, e.seq);
    if (choice === 'mine') {
      if (!EDITABLE_STATUSES.has(server.status)) throw new Error(`The server's record is ${server.status}: it cannot be corrected now`);
      await tx.put('onsite', { ...stored, state: 'queued', error: null, conflict: null, serverVersion: server.version, returned: { version: server.version, comment: server.comment } });
      await enqueue(tx, {
        kind: 'onsite',
        draftId: id,
        body: { engagement_id: stored.engagementId, kind: stored.kind, content: stored.content, submit: true },
        ifMatch: server.version,
      });
      return;
    }
    const again = server.status === 'returned';
    await tx.put('onsite', {
      ...stored,
      content: server.content,
      state: again ? 'draft' : 'sent',
      error: null,
      conflict: null,
      serverStatus: server.status,
      serverVersion: server.version,
      returned: again ? { version: server.version, comment: server.comment } : null,
    });
  });
  if (choice === 'mine') enqueued();
  else announceChange('draft');
}

/**
 * A two-rater action (onsite/pairs.ts): the team leader's pairing (`rater_pair`) or a pair's
 * reconciliation (`reconciliation`), kept on this phone and queued in ONE transaction, so the
 * outbox sends it exactly once whenever the network is back (data/replay.ts `onsiteRequest`).
 * Nothing to edit before it goes: it is queued as it is made. A reconciliation refused by the
 * server (blocked) gives way to a new one for the same pair.
 */
export async function queuePairAction(id: string, engagementId: string, kind: 'rater_pair' | 'reconciliation', content: Record<string, unknown>): Promise<void> {
  await transact(['onsite', 'outbox', 'meta'], 'readwrite', async (tx) => {
    const existing = await tx.get('onsite', id);
    if (existing !== undefined && existing.state !== 'blocked') return;
    for (const e of await entriesOf(tx, id)) if (e.state === 'blocked' && e.seq !== undefined) await remove(tx, e.seq);
    await tx.put('onsite', { id, engagementId, kind, content, state: 'queued', error: null, savedAt: new Date().toISOString(), sentAt: null, serverStatus: null, serverVersion: null, returned: null });
    await enqueue(tx, { kind: 'onsite', draftId: id, body: { engagement_id: engagementId, kind, content, submit: true } });
  });
  enqueued();
}

/**
 * Give up a two-rater action the server refused (blocked: e.g. 409 IDEMPOTENCY_CONFLICT, a
 * rater no longer on the team): the record and its refused entry leave this phone together.
 * Only a blocked one: a queued action may already be on its way.
 */
export async function discardPairAction(id: string): Promise<void> {
  await transact(['onsite', 'outbox'], 'readwrite', async (tx) => {
    const stored = await tx.get('onsite', id);
    if (stored === undefined || stored.state !== 'blocked' || (stored.kind !== 'rater_pair' && stored.kind !== 'reconciliation')) {
      throw new Error(`No refused pairing or reconciliation ${id} on this phone`);
    }
    for (const e of await entriesOf(tx, id)) if (e.seq !== undefined) await remove(tx, e.seq);
    await tx.delete('onsite', id);
  });
  announceChange('draft');
}
