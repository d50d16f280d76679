import { describe, expect, it } from 'vitest';
import { decide } from '../../src/shared/outcome';

const f = (status: number, code: string, details: unknown = {}) => ({ status, code, details });

describe('decide (docs/sync.md, docs/evidence.md answer tables)', () => {
  it('retries what time cures', () => {
    for (const failure of [f(0, 'NETWORK'), f(503, 'SERVICE_UNAVAILABLE'), f(500, 'INTERNAL_ERROR'), f(502, 'HTTP_502'), f(429, 'TOO_MANY_REQUESTS'), f(400, 'BAD_REQUEST', { reason: 'incomplete_body' })]) {
      expect(decide('evidence', failure)).toEqual({ action: 'retry' });
    }
  });
  it('stops for a sign-in on 401 and a CSRF failure that survived a refetch', () => {
    expect(decide('create', f(401, 'AUTH_REQUIRED'))).toEqual({ action: 'auth' });
    expect(decide('create', f(401, 'DEVICE_REVOKED'))).toEqual({ action: 'auth' });
    expect(decide('edit', f(403, 'CSRF_FAILED'))).toEqual({ action: 'auth' });
  });
  it('adopts the evaluation id of a 409 CONFLICT on create only', () => {
    expect(decide('create', f(409, 'CONFLICT', { reason: 'assignment_already_recorded', evaluation_id: 'e2' }))).toEqual({ action: 'adopt', evaluationId: 'e2' });
    expect(decide('create', f(409, 'CONFLICT', {}))).toEqual({ action: 'blocked' });
    expect(decide('create', f(409, 'IDEMPOTENCY_CONFLICT', { evaluation_id: 'e' }))).toEqual({ action: 'blocked' });
  });
  it('uploads missing evidence on 422 missing_evidence', () => {
    expect(decide('create', f(422, 'VALIDATION_ERROR', { missing_evidence: ['a', 'b'] }))).toEqual({ action: 'upload-missing', evidenceIds: ['a', 'b'] });
    expect(decide('create', f(422, 'VALIDATION_ERROR', { notes: ['x'] }))).toEqual({ action: 'blocked' });
  });
  it('refetches on 412, rechecks on a hash mismatch, blocks the rest', () => {
    expect(decide('edit', f(412, 'PRECONDITION_FAILED', { current_version: 3 }))).toEqual({ action: 'refetch' });
    expect(decide('evidence', f(422, 'EVIDENCE_HASH_MISMATCH'))).toEqual({ action: 'recheck-hash' });
    for (const code of ['FORBIDDEN', 'NOT_FOUND', 'INVALID_TRANSITION', 'IDEMPOTENCY_CONFLICT', 'UNSUPPORTED_FILE_TYPE', 'INVALID_IMAGE', 'IMAGE_TOO_LARGE', 'PAYLOAD_TOO_LARGE', 'PRECONDITION_REQUIRED', 'CONFLICT_OF_INTEREST']) {
      expect(decide('evidence', f(code === 'NOT_FOUND' ? 404 : 422, code))).toEqual({ action: 'blocked' });
    }
  });
});
