import { describe, expect, it } from 'vitest';
import {
  DB_NAME,
  DB_VERSION,
  MIGRATIONS,
  StorageError,
  cacheGet,
  cachePut,
  database,
  openDatabase,
  readMeta,
  req,
  toStorageError,
  transact,
  writeMeta,
  type Migration,
} from '../../src/data/db';
import { newDraft } from '../../src/data/drafts';
import { useHarness } from './harness';

useHarness();

describe('the schema', () => {
  it('creates the seven stores with their keys and indexes', async () => {
    const db = await database();
    expect(db.name).toBe(DB_NAME);
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['cache', 'drafts', 'meta', 'onsite', 'outbox', 'photos', 'surveys']);
    const tx = db.transaction(['drafts', 'photos', 'outbox', 'cache', 'meta', 'onsite']);
    expect(tx.objectStore('onsite').keyPath).toBe('id');
    expect([...tx.objectStore('onsite').indexNames]).toEqual(['engagementId']);
    expect(tx.objectStore('drafts').keyPath).toBe('id');
    expect([...tx.objectStore('drafts').indexNames]).toEqual(['assignmentId']);
    expect(tx.objectStore('photos').keyPath).toBe('id');
    expect([...tx.objectStore('photos').indexNames]).toEqual(['evaluationId']);
    expect(tx.objectStore('outbox').keyPath).toBe('seq');
    expect(tx.objectStore('outbox').autoIncrement).toBe(true);
    expect([...tx.objectStore('outbox').indexNames]).toEqual(['draftId']);
    expect(tx.objectStore('cache').keyPath).toBeNull();
    expect(tx.objectStore('meta').keyPath).toBeNull();
  });

  it('numbers outbox entries in insertion order, never reusing a number', async () => {
    const seqs = await transact(['outbox'], 'readwrite', async (tx) => {
      const base = { kind: 'create' as const, draftId: 'd', createdAt: '', attempts: 0, lastAttemptAt: null, lastError: null, state: 'pending' as const };
      // The raw store: the schema's own numbering, below data/outbox-store.ts.
      const outbox = tx.store('outbox');
      const a = await req(outbox.put({ ...base }));
      const b = await req(outbox.put({ ...base }));
      await req(outbox.delete(b));
      const c = await req(outbox.put({ ...base }));
      return [a, b, c] as number[];
    });
    expect(seqs).toEqual([1, 2, 3]);
  });
});

describe('upgrades', () => {
  const v1: Migration = (db) => {
    db.createObjectStore('things', { keyPath: 'id' });
  };
  const v2: Migration = (_db, tx) => {
    const store = tx.objectStore('things');
    store.createIndex('colour', 'colour');
    // A data step: existing records get the new field.
    store.openCursor().onsuccess = function () {
      const cursor = this.result;
      if (cursor) {
        cursor.update({ ...cursor.value, colour: 'red' });
        cursor.continue();
      }
    };
  };

  it('runs each missing step in order and keeps the data', async () => {
    const old = await openDatabase('upgrade-test', [v1]);
    await new Promise<void>((resolve) => {
      const tx = old.transaction('things', 'readwrite');
      tx.objectStore('things').put({ id: 1 });
      tx.oncomplete = () => resolve();
    });
    old.close();
    const upgraded = await openDatabase('upgrade-test', [v1, v2]);
    expect(upgraded.version).toBe(2);
    const rows = await new Promise<unknown[]>((resolve) => {
      const r = upgraded.transaction('things').objectStore('things').index('colour').getAll('red');
      r.onsuccess = () => resolve(r.result);
    });
    expect(rows).toEqual([{ id: 1, colour: 'red' }]);
    upgraded.close();
  });

  it('closes an open connection when another context upgrades, instead of blocking it', async () => {
    let closed = false;
    const old = await openDatabase('upgrade-test-2', [v1], () => {
      closed = true;
    });
    const upgraded = await openDatabase('upgrade-test-2', [v1, v2]);
    expect(closed).toBe(true);
    expect(upgraded.version).toBe(2);
    expect(() => old.transaction('things')).toThrow();
    upgraded.close();
  });

  it('reports a database newer than this app (an older tab) as unavailable storage', async () => {
    const newer = await openDatabase('upgrade-test-3', [v1, v2]);
    newer.close();
    await expect(openDatabase('upgrade-test-3', [v1])).rejects.toMatchObject({ name: 'StorageError', kind: 'unavailable' });
  });

  it('the app schema has one step per version', () => {
    expect(MIGRATIONS.length).toBe(DB_VERSION);
  });
});

describe('transactions', () => {
  it('keeps nothing a failed transaction wrote', async () => {
    await expect(
      transact(['drafts', 'meta'], 'readwrite', async (tx) => {
        await tx.setMeta('lang', 'en');
        throw new Error('half way');
      }),
    ).rejects.toThrow('half way');
    expect(await readMeta('lang')).toBeUndefined();
  });

  it('resolves only after the transaction committed', async () => {
    const draft = await newDraft({ engagementId: 'e', siteId: 's', assignmentId: null, mode: 'A' });
    const db = await database();
    const seen = await new Promise((resolve) => {
      const r = db.transaction('drafts').objectStore('drafts').get(draft.id);
      r.onsuccess = () => resolve(r.result);
    });
    expect(seen).toMatchObject({ id: draft.id, status: 'draft' });
  });

  it('maps IndexedDB errors to StorageError kinds', () => {
    expect(toStorageError({ name: 'QuotaExceededError', message: 'full' })).toMatchObject({ kind: 'quota' });
    expect(toStorageError({ name: 'VersionError' })).toMatchObject({ kind: 'unavailable' });
    expect(toStorageError(new Error('odd'))).toMatchObject({ kind: 'unknown', message: 'odd' });
    const e = new StorageError('quota', 'x');
    expect(toStorageError(e)).toBe(e);
  });

  it('a quota error aborting a transaction rejects with StorageError quota', async () => {
    await expect(
      transact(['meta'], 'readwrite', async (tx) => {
        await tx.setMeta('lang', 'en');
        tx.raw.abort();
        throw toStorageError({ name: 'QuotaExceededError' });
      }),
    ).rejects.toMatchObject({ kind: 'quota' });
    expect(await readMeta('lang')).toBeUndefined();
  });
});

describe('meta and cache', () => {
  it('stores meta values by key', async () => {
    await writeMeta('lang', 'en');
    await writeMeta('deviceToken', 'fcd_x');
    expect(await readMeta('lang')).toBe('en');
    expect(await readMeta('deviceToken')).toBe('fcd_x');
  });

  it('keeps cached server answers with the time they were stored', async () => {
    await cachePut('/api/me/assignments', [{ id: 'a' }]);
    const got = await cacheGet<{ id: string }[]>('/api/me/assignments');
    expect(got?.value).toEqual([{ id: 'a' }]);
    expect(Date.parse(got?.storedAt ?? '')).not.toBeNaN();
    expect(await cacheGet('/nothing')).toBeUndefined();
  });
});

describe('storage errors inside a transaction', () => {
  it('a failed put rejects as StorageError, an app error passes unchanged', async () => {
    // A Blob-less function cannot be cloned into IndexedDB: the put itself fails.
    await expect(
      transact(['meta'], 'readwrite', (tx) => tx.setMeta('me', { f: () => 1 })),
    ).rejects.toBeInstanceOf(StorageError);
    class Mine extends Error {}
    await expect(transact(['meta'], 'readonly', () => Promise.reject(new Mine('x')))).rejects.toBeInstanceOf(Mine);
  });
});
