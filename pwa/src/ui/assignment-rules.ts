/**
 * When a shopper may start a visit of an assignment (DOM-free, unit-tested). One assignment is
 * recorded by one evaluation (docs/sync.md): once the server has a visit of it submitted or
 * reviewed, from this phone or another, a new visit would only be refused.
 */

/** Why no new visit may start on this assignment, or null when one may. */
export type StartRefusal = 'submitted' | 'completed' | 'cancelled' | 'gone';

export function startRefusal(status: string | null): StartRefusal | null {
  if (status === null) return 'gone';
  if (status === 'submitted' || status === 'completed' || status === 'cancelled') return status;
  return null;
}

/**
 * Whether a visit on this phone that the server never received (no server version) has been
 * overtaken: the server says the assignment was submitted or completed meanwhile, so another
 * phone's visit counts and this one cannot be submitted.
 */
export function overtaken(draft: { status: string; serverVersion: number | null }, assignmentStatus: string | null): boolean {
  return (
    draft.status === 'draft' &&
    draft.serverVersion === null &&
    (assignmentStatus === 'submitted' || assignmentStatus === 'completed')
  );
}
