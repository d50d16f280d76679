/**
 * Review queues of several engagements, read a page at a time (issue 13, "Flat costs").
 *
 * The office lists a person pages through show the first page of each engagement's queue and a
 * "load more" control, instead of fetching every page up front (`apiFetchAll`): a queue of
 * thousands costs one page until someone asks for more. Pages come from the keyset-paged
 * `GET /api/engagements/<id>/evaluations?status=submitted` (backend/paging.py: `X-Next-Cursor`).
 */

import { ApiError, apiFetch } from './api';

/** Rows a page, per engagement. */
export const QUEUE_PAGE_SIZE = 50;

export interface QueueRow<E, T> {
  engagement: E;
  evaluation: T;
}

export class PagedQueues<E extends { id: string }, T> {
  private readonly rowsOf = new Map<string, T[]>();
  /** The next page's cursor per engagement; null once its last page is in. */
  private readonly cursorOf = new Map<string, string | null>();

  constructor(
    private readonly engagements: readonly E[],
    private readonly path: (engagement: E) => string,
    private readonly pageSize = QUEUE_PAGE_SIZE,
  ) {}

  /** Every row read so far, engagement by engagement in their given order, each in queue order. */
  get rows(): QueueRow<E, T>[] {
    return this.engagements.flatMap((engagement) => (this.rowsOf.get(engagement.id) ?? []).map((evaluation) => ({ engagement, evaluation })));
  }

  /** Whether some engagement has a page not read yet. */
  get hasMore(): boolean {
    return this.engagements.some((e) => !this.cursorOf.has(e.id) || this.cursorOf.get(e.id) !== null);
  }

  /**
   * The first page of each queue, or (called again) the next page of each that has one. An
   * engagement whose queue the user may not read (403) counts as empty.
   */
  async loadMore(): Promise<void> {
    const due = this.engagements.filter((e) => !this.cursorOf.has(e.id) || this.cursorOf.get(e.id) !== null);
    await Promise.all(
      due.map(async (engagement) => {
        const base = this.path(engagement);
        const cursor = this.cursorOf.get(engagement.id);
        const url = `${base}${base.includes('?') ? '&' : '?'}limit=${this.pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        try {
          const page = await apiFetch<T[]>('GET', url);
          this.rowsOf.set(engagement.id, [...(this.rowsOf.get(engagement.id) ?? []), ...page.data]);
          this.cursorOf.set(engagement.id, page.next ?? null);
        } catch (error) {
          if (!(error instanceof ApiError && error.status === 403)) throw error;
          this.cursorOf.set(engagement.id, null);
        }
      }),
    );
  }
}
