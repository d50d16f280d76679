import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { transact, writeMeta } from '../../src/data/db';
import * as outbox from '../../src/data/outbox-store';
import type { OutboxEntry, SyncError } from '../../src/data/types';
import { useHarness } from './harness';

useHarness();

const BROKEN: SyncError = { code: 'VALIDATION_ERROR', message: 'no', status: 422, details: { notes: ['too long'] } };

function queue(...entries: outbox.NewEntry[]): Promise<number[]> {
  return transact(['outbox', 'meta'], 'readwrite', async (tx) => {
    const seqs: number[] = [];
    for (const e of entries) seqs.push(await outbox.enqueue(tx, e));
    return seqs;
  });
}

function write<T>(work: (tx: Parameters<Parameters<typeof transact>[2]>[0]) => Promise<T>): Promise<T> {
  return transact(['outbox', 'meta'], 'readwrite', work);
}

const shape = (e: OutboxEntry): [string, string, string | undefined, string] => [e.kind, e.draftId, e.photoId, e.state];

describe('outbox store: adding', () => {
  it('appends pending, never-tried entries in order, queued by the signed-in user', async () => {
    await writeMeta('me', { id: 'user-1', display_name: '周暗访' });
    const seqs = await queue({ kind: 'evidence', draftId: 'v1', photoId: 'p1' }, { kind: 'create', draftId: 'v1', body: { submit: true } });
    expect(seqs[1]).toBeGreaterThan(seqs[0] as number);
    const all = await outbox.listOutbox();
    expect(all.map(shape)).toEqual([
      ['evidence', 'v1', 'p1', 'pending'],
      ['create', 'v1', undefined, 'pending'],
    ]);
    for (const e of all) expect(e).toMatchObject({ attempts: 0, lastAttemptAt: null, lastError: null, userId: 'user-1' });
  });

  it('records no user when none is known, and keeps a user given explicitly', async () => {
    await queue({ kind: 'survey', draftId: 's1', body: {} }, { kind: 'evidence', draftId: 'v1', photoId: 'p', userId: 'other' });
    expect((await outbox.listOutbox()).map((e) => e.userId)).toEqual([null, 'other']);
  });

  it('adds nothing when the caller’s transaction fails afterwards (the entry and its record go together)', async () => {
    await expect(
      write(async (tx) => {
        await outbox.enqueue(tx, { kind: 'create', draftId: 'v1', body: {} });
        throw new Error('the draft could not be saved');
      }),
    ).rejects.toThrow('the draft could not be saved');
    expect(await outbox.listOutbox()).toEqual([]);
  });
});

describe('outbox store: sending', () => {
  it('counts an attempt and pins an edit’s If-Match once, before sending', async () => {
    const [edit, create] = await queue({ kind: 'edit', draftId: 'v1', body: {} }, { kind: 'create', draftId: 'v2', body: {} });
    const first = await write((tx) => outbox.beginAttempt(tx, edit as number, '2026-12-03T10:00:00.000Z', 3));
    expect(first).toMatchObject({ attempts: 1, lastAttemptAt: '2026-12-03T10:00:00.000Z', ifMatch: 3 });
    // A later attempt keeps the pinned version (a replay sends the very same request).
    const second = await write((tx) => outbox.beginAttempt(tx, edit as number, '2026-12-03T10:01:00.000Z', 4));
    expect(second).toMatchObject({ attempts: 2, ifMatch: 3 });
    const created = await write((tx) => outbox.beginAttempt(tx, create as number, '2026-12-03T10:02:00.000Z', 9));
    expect(created?.ifMatch).toBeUndefined();
  });

  it('does not start an entry that is blocked or gone', async () => {
    const [seq] = await queue({ kind: 'create', draftId: 'v1', body: {} });
    await write((tx) => outbox.block(tx, seq as number, BROKEN));
    expect(await write((tx) => outbox.beginAttempt(tx, seq as number, 'now', null))).toBeNull();
    await write((tx) => outbox.acknowledge(tx, seq as number));
    expect(await write((tx) => outbox.beginAttempt(tx, seq as number, 'now', null))).toBeNull();
  });

  it('acknowledges (removes) only the confirmed entry', async () => {
    const [a, b] = await queue({ kind: 'evidence', draftId: 'v1', photoId: 'p1' }, { kind: 'create', draftId: 'v1', body: {} });
    await write((tx) => outbox.acknowledge(tx, a as number));
    expect((await outbox.listOutbox()).map((e) => e.seq)).toEqual([b]);
  });

  it('notes a passing failure without blocking, blocks for a person, and unblocks', async () => {
    const [seq] = await queue({ kind: 'survey', draftId: 's1', body: {} });
    const network: SyncError = { code: 'NETWORK', message: 'offline', status: 0 };
    await write((tx) => outbox.noteFailure(tx, seq as number, network));
    expect((await outbox.listOutbox())[0]).toMatchObject({ state: 'pending', lastError: network });
    await write(async (tx) => {
      await outbox.beginAttempt(tx, seq as number, 'now', null);
      await outbox.block(tx, seq as number, BROKEN);
    });
    expect((await outbox.listOutbox())[0]).toMatchObject({ state: 'blocked', lastError: BROKEN, attempts: 1 });
    expect(await outbox.pendingCounts()).toEqual({ records: 1, photos: 0, blocked: 1 });

    const blocked = (await outbox.listOutbox())[0] as OutboxEntry;
    await write((tx) => outbox.unblock(tx, blocked));
    expect((await outbox.listOutbox())[0]).toMatchObject({ state: 'pending', lastError: null, attempts: 1 });
    await write((tx) => outbox.unblock(tx, blocked, { resetAttempts: true }));
    expect((await outbox.listOutbox())[0]).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('revises only what it is given', async () => {
    const [seq] = await queue({ kind: 'edit', draftId: 'v1', body: { notes: 'a' }, ifMatch: 1, base: { notes: '' } });
    await write((tx) => outbox.revise(tx, seq as number, { ifMatch: 2, body: { notes: 'b' } }));
    expect((await outbox.listOutbox())[0]).toMatchObject({ kind: 'edit', ifMatch: 2, body: { notes: 'b' }, base: { notes: '' }, state: 'pending' });
  });
});

describe('outbox store: reshaping a visit’s entries', () => {
  it('lists one visit’s entries in order and removes all of them, no others', async () => {
    await queue(
      { kind: 'evidence', draftId: 'v1', photoId: 'p1' },
      { kind: 'survey', draftId: 's1', body: {} },
      { kind: 'create', draftId: 'v1', body: {} },
    );
    const v1 = await transact(['outbox'], 'readonly', (tx) => outbox.entriesOf(tx, 'v1'));
    expect(v1.map(shape)).toEqual([
      ['evidence', 'v1', 'p1', 'pending'],
      ['create', 'v1', undefined, 'pending'],
    ]);
    expect(await write((tx) => outbox.removeAllOf(tx, 'v1'))).toBe(2);
    expect((await outbox.listOutbox()).map(shape)).toEqual([['survey', 's1', undefined, 'pending']]);
  });

  it('moves a visit’s entries to an adopted id, keeping their order, rewriting as asked', async () => {
    await queue({ kind: 'evidence', draftId: 'old', photoId: 'p1' }, { kind: 'create', draftId: 'old', body: { submit: true } });
    await write((tx) =>
      outbox.moveEntries(tx, 'old', 'new', (e) => (e.kind === 'create' ? { ...e, kind: 'edit', ifMatch: null } : e)),
    );
    const all = await outbox.listOutbox();
    expect(all.map(shape)).toEqual([
      ['evidence', 'new', 'p1', 'pending'],
      ['edit', 'new', undefined, 'pending'],
    ]);
    expect(all[1]?.ifMatch).toBeNull();
  });

  it('puts the uploads the server misses in front of the visit’s entries, each photo once', async () => {
    const [, create] = await queue(
      { kind: 'evidence', draftId: 'v1', photoId: 'p1' },
      { kind: 'create', draftId: 'v1', body: {} },
      { kind: 'survey', draftId: 's1', body: {} },
    );
    await write((tx) => outbox.block(tx, create as number, BROKEN));
    await write((tx) => outbox.queueUploadsFirst(tx, 'v1', ['p1', 'p2'], 'user-1', '2026-12-03T10:00:00.000Z'));
    const all = await outbox.listOutbox();
    // The survey keeps its place; the visit goes behind it: new upload p2, then its own entries.
    expect(all.map(shape)).toEqual([
      ['survey', 's1', undefined, 'pending'],
      ['evidence', 'v1', 'p2', 'pending'],
      ['evidence', 'v1', 'p1', 'pending'],
      ['create', 'v1', undefined, 'blocked'],
    ]);
    expect(all[1]).toMatchObject({ userId: 'user-1', attempts: 0, createdAt: '2026-12-03T10:00:00.000Z' });
    const seqs = all.map((e) => e.seq as number);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });
});

describe('outbox store: the only writer', () => {
  it('no other module of src/ opens the outbox object store', () => {
    const root = resolve(import.meta.dirname, '../../src');
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    walk(root);
    const raw = /(?:\.store|objectStore)\(\s*['"]outbox['"]\s*\)|\.(?:put|delete)\(\s*['"]outbox['"]/;
    const writers = files.filter((f) => raw.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f));
    expect(writers).toEqual([]);
    // The store itself names it once, as a constant.
    expect(readFileSync(join(root, 'data/outbox-store.ts'), 'utf8')).toContain("const STORE = 'outbox';");
  });
});
