/**
 * The ONE module that owns the IndexedDB schema: the database name, its version, the stores and
 * the upgrade steps (STYLE.md "One module owns the IndexedDB schema"). Everything else reaches
 * the stores through `transact()`. Runs in the window and in the service worker (no DOM here).
 *
 * Rule: never await network work inside a transaction (IndexedDB commits a transaction as soon
 * as it has no pending request, so an await on fetch ends it). Read, close, send, then write in
 * a new transaction.
 */
import type { Lease, OutboxEntry, StoredOnsiteRecord, StoredPhoto, StoredSurveyAnswer, SyncMeta, VisitDraft } from './types';

export const DB_NAME = 'fieldcert';

/** The value type of each store, and of each meta key. */
export interface StoreTypes {
  /** keyPath 'id'; index 'assignmentId'. */
  drafts: VisitDraft;
  /** keyPath 'id'; index 'evaluationId'. Blob and metadata in one record. */
  photos: StoredPhoto;
  /** keyPath 'seq' (autoIncrement: the replay order); index 'draftId'. */
  outbox: OutboxEntry;
  /** Out-of-line string keys: server data kept for offline reading (assignments, schemes, ...). */
  cache: CacheEntry;
  /** Out-of-line string keys: see MetaTypes. */
  meta: unknown;
  /** keyPath 'id'; index 'campaignId'. Face-to-face survey answers (v2). */
  surveys: StoredSurveyAnswer;
  /** keyPath 'id'; index 'engagementId'. On-site audit records (v3, src/onsite/). */
  onsite: StoredOnsiteRecord;
}
export type StoreName = keyof StoreTypes;

export interface CacheEntry {
  value: unknown;
  storedAt: string;
}

/** The meta store's keys and what each holds. */
export interface MetaTypes {
  sync: SyncMeta;
  lease: Lease;
  /** The paired device's bearer token (`fcd_…`), or absent. */
  deviceToken: string;
  /** GET /api/auth/me as last seen (offline start-up). */
  me: unknown;
  /** The UI language, so the service worker's notifications and requests use it too. */
  lang: 'zh-CN' | 'en';
  /** An evaluation id adopted for a draft whose own id the server refused (409 CONFLICT). */
  [alias: `alias:${string}`]: string;
}

/**
 * Why storage failed, in the three ways the UI tells apart: the quota is full (free space or
 * sync first), IndexedDB is unavailable (private mode, blocked by policy, a newer app version
 * holds the database), or anything else.
 */
export class StorageError extends Error {
  readonly kind: 'quota' | 'unavailable' | 'unknown';
  constructor(kind: 'quota' | 'unavailable' | 'unknown', message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = 'StorageError';
    this.kind = kind;
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** Wrap a DOMException from IndexedDB (or anything thrown in a transaction) as a StorageError. */
export function toStorageError(error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'QuotaExceededError') {
    return new StorageError('quota', 'The phone has no storage left for fieldcert.', { cause: error });
  }
  if (name === 'VersionError' || name === 'InvalidStateError' || name === 'SecurityError') {
    return new StorageError('unavailable', message || String(name), { cause: error });
  }
  return new StorageError('unknown', message || 'IndexedDB failed', { cause: error });
}

const IDB_ERROR_NAMES = new Set([
  'QuotaExceededError',
  'VersionError',
  'InvalidStateError',
  'TransactionInactiveError',
  'DataError',
  'DataCloneError',
  'ConstraintError',
  'AbortError',
  'UnknownError',
  'NotFoundError',
  'ReadOnlyError',
]);

function isIdbError(error: unknown): boolean {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' && IDB_ERROR_NAMES.has(name);
}

/** One upgrade step: from version `index` to `index + 1`, inside the versionchange transaction. */
export type Migration = (db: IDBDatabase, tx: IDBTransaction) => void;

/**
 * The schema's history. Append a step for every change; never edit a released one (phones in
 * the field hold databases at every older version, and each upgrades step by step).
 */
export const MIGRATIONS: readonly Migration[] = [
  // v1: the stores of issue 4.
  (db) => {
    const drafts = db.createObjectStore('drafts', { keyPath: 'id' });
    drafts.createIndex('assignmentId', 'assignmentId', { unique: false });
    const photos = db.createObjectStore('photos', { keyPath: 'id' });
    photos.createIndex('evaluationId', 'evaluationId', { unique: false });
    const outbox = db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
    outbox.createIndex('draftId', 'draftId', { unique: false });
    db.createObjectStore('cache');
    db.createObjectStore('meta');
  },
  // v2: face-to-face customer-survey answers (issue 5). A new store only: the v1 stores and
  // their records are untouched; survey entries in the outbox use its draftId index.
  (db) => {
    const surveys = db.createObjectStore('surveys', { keyPath: 'id' });
    surveys.createIndex('campaignId', 'campaignId', { unique: false });
  },
  // v3: on-site audit records (issue 11: management audit, conformity with timing rows). A new
  // store only; their outbox entries use the draftId index like survey answers.
  (db) => {
    const onsite = db.createObjectStore('onsite', { keyPath: 'id' });
    onsite.createIndex('engagementId', 'engagementId', { unique: false });
  },
];

export const DB_VERSION = MIGRATIONS.length;

function idb(): IDBFactory {
  if (typeof indexedDB === 'undefined') {
    throw new StorageError('unavailable', 'This browser has no IndexedDB.');
  }
  return indexedDB;
}

/**
 * Open (creating or upgrading) a database with the given migrations. Exported for the upgrade
 * tests; the app uses `database()`.
 */
export function openDatabase(
  name: string,
  migrations: readonly Migration[],
  onClosedByOtherVersion?: () => void,
): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let request: IDBOpenDBRequest;
    try {
      request = idb().open(name, migrations.length);
    } catch (error) {
      reject(toStorageError(error));
      return;
    }
    request.onupgradeneeded = (event) => {
      const db = request.result;
      const tx = request.transaction;
      if (tx === null) return;
      for (let v = event.oldVersion; v < migrations.length; v += 1) {
        const step = migrations[v];
        if (step !== undefined) step(db, tx);
      }
    };
    request.onsuccess = () => {
      const db = request.result;
      // Another tab (or a new service worker) wants to upgrade: let it, instead of blocking it
      // until this page is closed. The next transaction here reopens at the new version.
      db.onversionchange = () => {
        db.close();
        onClosedByOtherVersion?.();
      };
      resolve(db);
    };
    request.onerror = () => {
      reject(toStorageError(request.error));
    };
    // onblocked: an older connection elsewhere has not closed yet; its onversionchange above
    // closes it, after which this request proceeds by itself.
  });
}

let opening: Promise<IDBDatabase> | null = null;

/** The app's database, opened once per context. */
export function database(): Promise<IDBDatabase> {
  if (opening === null) {
    const attempt = openDatabase(DB_NAME, MIGRATIONS, () => {
      opening = null;
    });
    opening = attempt;
    attempt.catch(() => {
      if (opening === attempt) opening = null;
    });
  }
  return opening;
}

/** Close the connection (tests; and before deleting the database). */
export async function closeDatabase(): Promise<void> {
  const current = opening;
  opening = null;
  if (current !== null) {
    try {
      (await current).close();
    } catch {
      // It never opened: nothing to close.
    }
  }
}

/** A promise for one request; must be awaited inside the transaction that made it. */
export function req<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Typed access to the stores of one transaction. */
export class Tx {
  constructor(readonly raw: IDBTransaction) {}

  store(name: StoreName): IDBObjectStore {
    return this.raw.objectStore(name);
  }

  get<S extends Exclude<StoreName, 'meta'>>(name: S, key: IDBValidKey): Promise<StoreTypes[S] | undefined> {
    return req(this.store(name).get(key)) as Promise<StoreTypes[S] | undefined>;
  }

  getAll<S extends Exclude<StoreName, 'meta'>>(name: S, query?: IDBKeyRange | IDBValidKey): Promise<StoreTypes[S][]> {
    return req(this.store(name).getAll(query)) as Promise<StoreTypes[S][]>;
  }

  byIndex<S extends Exclude<StoreName, 'meta'>>(name: S, index: string, key: IDBValidKey): Promise<StoreTypes[S][]> {
    return req(this.store(name).index(index).getAll(key)) as Promise<StoreTypes[S][]>;
  }

  /**
   * Put into a keyPath store; returns the key. Not the outbox: only data/outbox-store.ts writes
   * outbox entries.
   */
  put<S extends 'drafts' | 'photos' | 'surveys' | 'onsite'>(name: S, value: StoreTypes[S]): Promise<IDBValidKey> {
    return req(this.store(name).put(value));
  }

  /** Delete from a store; not the outbox (data/outbox-store.ts). */
  delete(name: Exclude<StoreName, 'outbox'>, key: IDBValidKey): Promise<undefined> {
    return req(this.store(name).delete(key));
  }

  meta<K extends keyof MetaTypes & string>(key: K): Promise<MetaTypes[K] | undefined> {
    return req(this.store('meta').get(key)) as Promise<MetaTypes[K] | undefined>;
  }

  setMeta<K extends keyof MetaTypes & string>(key: K, value: MetaTypes[K]): Promise<IDBValidKey> {
    return req(this.store('meta').put(value, key));
  }

  deleteMeta(key: keyof MetaTypes & string): Promise<undefined> {
    return req(this.store('meta').delete(key));
  }

  count(name: StoreName): Promise<number> {
    return req(this.store(name).count());
  }
}

/**
 * Run `work` in one transaction over `stores` and resolve with its result once the transaction
 * has COMMITTED (so "stored" means stored). If `work` throws, the transaction is aborted and
 * nothing it wrote is kept. Errors reject as StorageError (quota, unavailable, unknown).
 */
export async function transact<T>(
  stores: StoreName[],
  mode: IDBTransactionMode,
  work: (tx: Tx) => Promise<T> | T,
): Promise<T> {
  const db = await database();
  let raw: IDBTransaction;
  try {
    raw = db.transaction(stores, mode);
  } catch (error) {
    // The connection was closed under us (another version took over): reopen once.
    if ((error as { name?: string }).name === 'InvalidStateError') {
      opening = null;
      raw = (await database()).transaction(stores, mode);
    } else {
      throw toStorageError(error);
    }
  }
  const done = new Promise<void>((resolve, reject) => {
    raw.oncomplete = () => resolve();
    raw.onabort = () => reject(toStorageError(raw.error ?? new Error('transaction aborted')));
    raw.onerror = (event) => {
      // Reported again by onabort; keep the event from surfacing as an uncaught error.
      event.preventDefault?.();
    };
  });
  let result: T;
  try {
    result = await work(new Tx(raw));
  } catch (error) {
    try {
      raw.abort();
    } catch {
      // Already finished or aborted.
    }
    await done.catch(() => undefined);
    // IndexedDB's own failures (a full disk on a put, ...) become StorageError; the work's own
    // errors (OutboxError, ...) pass unchanged.
    throw isIdbError(error) ? toStorageError(error) : error;
  }
  await done;
  return result;
}

/** Read one meta value in its own transaction. */
export function readMeta<K extends keyof MetaTypes & string>(key: K): Promise<MetaTypes[K] | undefined> {
  return transact(['meta'], 'readonly', (tx) => tx.meta(key));
}

/** Write one meta value in its own transaction. */
export async function writeMeta<K extends keyof MetaTypes & string>(key: K, value: MetaTypes[K]): Promise<void> {
  await transact(['meta'], 'readwrite', (tx) => tx.setMeta(key, value));
}

export async function deleteMeta(key: keyof MetaTypes & string): Promise<void> {
  await transact(['meta'], 'readwrite', (tx) => tx.deleteMeta(key));
}

/** Server data kept for reading offline (the UI's lists): the value and when it was stored. */
export async function cacheGet<T>(key: string): Promise<{ value: T; storedAt: string } | undefined> {
  const entry = await transact(['cache'], 'readonly', (tx) => req(tx.store('cache').get(key)));
  return entry as { value: T; storedAt: string } | undefined;
}

export async function cachePut(key: string, value: unknown): Promise<void> {
  const entry: CacheEntry = { value, storedAt: new Date().toISOString() };
  await transact(['cache'], 'readwrite', (tx) => req(tx.store('cache').put(entry, key)));
}
