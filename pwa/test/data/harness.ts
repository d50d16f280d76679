/**
 * Per-test set-up for the data layer: a fresh in-memory IndexedDB (fake-indexeddb), fresh
 * module state, and the fake server behind `fetch`.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, vi } from 'vitest';
import { resetApiState } from '../../src/data/api';
import { closeDatabase } from '../../src/data/db';
import { closeChangeChannel } from '../../src/data/events';
import { newDraft, saveDraft, getDraft } from '../../src/data/drafts';
import { storePhoto } from '../../src/data/photo-store';
import type { PhotoRecord, VisitDraft } from '../../src/data/types';
import { FakeServer } from './fake-server';

export const ENGAGEMENT = '11111111-1111-4111-8111-111111111111';
export const SITE = '22222222-2222-4222-8222-222222222222';
export const ASSIGNMENT = '33333333-3333-4333-8333-333333333333';

export function useHarness(): { server: () => FakeServer } {
  let server: FakeServer;
  beforeEach(async () => {
    await closeDatabase();
    globalThis.indexedDB = new IDBFactory();
    resetApiState();
    server = new FakeServer();
    vi.stubGlobal('fetch', server.fetch);
  });
  afterEach(async () => {
    vi.unstubAllGlobals();
    closeChangeChannel();
    await closeDatabase();
  });
  return { server: () => server };
}

/** A JPEG-looking blob (the fake server only hashes it). */
export function jpegBlob(seed: number, size = 2000): Blob {
  const bytes = new Uint8Array(size);
  bytes.set([0xff, 0xd8, 0xff, 0xe0]);
  for (let i = 4; i < size; i += 1) bytes[i] = (i * 31 + seed * 7) % 256;
  return new Blob([bytes], { type: 'image/jpeg' });
}

export async function photoFor(draftId: string, seed: number, item: string | null = '1.1'): Promise<PhotoRecord> {
  const blob = jpegBlob(seed);
  return storePhoto(
    { blob, width: 1600, height: 1200, originalSize: blob.size * 3, fileName: `门店-${seed}.jpg` },
    { evaluationId: draftId, item, fix: { latitude: 28.7169, longitude: 115.9602, accuracy_m: 12.5, captured_at: '2026-12-03T10:01:00.000+08:00' } },
  );
}

/** A recorded visit with ratings, a check-in fix and `photos` photos. */
export async function recordedVisit(photos = 2, assignmentId: string | null = ASSIGNMENT): Promise<VisitDraft> {
  const d = await newDraft({ engagementId: ENGAGEMENT, siteId: SITE, assignmentId, mode: 'B' });
  for (let i = 0; i < photos; i += 1) await photoFor(d.id, i + 1, i === 0 ? '1.1' : null);
  const stored = (await getDraft(d.id)) as VisitDraft;
  await saveDraft({
    ...stored,
    ratings: { '1.1': { level: 4 }, '1.2': { alpha: 0.75 }, '1.3': { na: true, reason: '无候客区' } },
    notes: '服务热情',
    itemNotes: { '1.1': '门店整洁', '1.2': '' },
    startedAt: '2026-12-03T10:00:00.000+08:00',
    endedAt: '2026-12-03T10:40:00.000+08:00',
    gpsFixes: [{ latitude: 28.7169, longitude: 115.9602, accuracy_m: 12.5, captured_at: '2026-12-03T10:01:00.000+08:00' }],
  });
  return (await getDraft(d.id)) as VisitDraft;
}
