import { describe, expect, it } from 'vitest';
import { decide } from '../../src/shared/outcome';

const f = (status: number, code: string, details: unknown = {}) => ({ status, code, details });

describe('decide (docs/sync.md, docs/evidence.md answer tables)', () => {
  it('retries what time cures', () => {
    for (const failure of [f(0, 'NETWORK'), f(503, 'SERVICE_UNAVAILABLE'), f(500, 'INTERNAL_ERROR'), f(502, 'HTTP_502'), f(429, 'TOO_MANY_REQUESTS'), f(400, 'INCOMPLETE_BODY', { reason: 'incomplete_body' })]) {
      expect(decide('evidence', failure)).toEqual({ action: 'retry' });
    }
  });
  it('stops for a sign-in on 401 and a CSRF failure that survived a refetch', () => {
    expect(decide('create', f(401, 'AUTH_REQUIRED'))).toEqual({ action: 'auth' });
    expect(decide('create', f(401, 'DEVICE_REVOKED'))).toEqual({ action: 'auth' });
    expect(decide('edit', f(403, 'CSRF_FAILED'))).toEqual({ action: 'auth' });
  });
  it('adopts the evaluation id of a 409 ASSIGNMENT_ALREADY_RECORDED on create, while that record is editable', () => {
    const recorded = (status: string) => f(409, 'ASSIGNMENT_ALREADY_RECORDED', { reason: 'assignment_already_recorded', evaluation_id: 'e2', evaluation_status: status });
    expect(decide('create', recorded('draft'))).toEqual({ action: 'adopt', evaluationId: 'e2' });
    expect(decide('create', recorded('returned'))).toEqual({ action: 'adopt', evaluationId: 'e2' });
    // Submitted or reviewed from another phone: that visit counts; this one waits for a person.
    expect(decide('create', recorded('submitted'))).toEqual({ action: 'blocked' });
    expect(decide('create', recorded('accepted'))).toEqual({ action: 'blocked' });
    expect(decide('edit', recorded('draft'))).toEqual({ action: 'blocked' });
    expect(decide('create', f(409, 'IDEMPOTENCY_CONFLICT', { evaluation_id: 'e', evaluation_status: 'draft' }))).toEqual({ action: 'blocked' });
  });
  it('uploads missing evidence on 422 MISSING_EVIDENCE', () => {
    expect(decide('create', f(422, 'MISSING_EVIDENCE', { missing_evidence: ['a', 'b'] }))).toEqual({ action: 'upload-missing', evidenceIds: ['a', 'b'] });
    expect(decide('edit', f(422, 'MISSING_EVIDENCE', { missing_evidence: ['a'] }))).toEqual({ action: 'upload-missing', evidenceIds: ['a'] });
    expect(decide('create', f(422, 'MISSING_EVIDENCE', {}))).toEqual({ action: 'blocked' });
    expect(decide('create', f(422, 'VALIDATION_ERROR', { notes: ['x'] }))).toEqual({ action: 'blocked' });
  });
  it('decides from the code, never from the details of a generic code', () => {
    expect(decide('evidence', f(400, 'BAD_REQUEST', { reason: 'incomplete_body' }))).toEqual({ action: 'blocked' });
    expect(decide('create', f(409, 'CONFLICT', { reason: 'assignment_already_recorded', evaluation_id: 'e2', evaluation_status: 'draft' }))).toEqual({ action: 'blocked' });
    expect(decide('create', f(422, 'VALIDATION_ERROR', { missing_evidence: ['a', 'b'] }))).toEqual({ action: 'blocked' });
  });
  it('refetches on 412, rechecks on a hash mismatch, blocks the rest', () => {
    expect(decide('edit', f(412, 'PRECONDITION_FAILED', { current_version: 3 }))).toEqual({ action: 'refetch' });
    // An on-site correction (PATCH If-Match the returned version) too: replay.ts shows the server's copy.
    expect(decide('onsite', f(412, 'PRECONDITION_FAILED', { current_version: 4 }))).toEqual({ action: 'refetch' });
    expect(decide('onsite', f(409, 'IDEMPOTENCY_CONFLICT', { id: 'x' }))).toEqual({ action: 'blocked' });
    expect(decide('evidence', f(422, 'EVIDENCE_HASH_MISMATCH'))).toEqual({ action: 'recheck-hash' });
    for (const code of ['FORBIDDEN', 'NOT_FOUND', 'INVALID_TRANSITION', 'IDEMPOTENCY_CONFLICT', 'UNSUPPORTED_FILE_TYPE', 'INVALID_IMAGE', 'IMAGE_TOO_LARGE', 'PAYLOAD_TOO_LARGE', 'PRECONDITION_REQUIRED', 'CONFLICT_OF_INTEREST']) {
      expect(decide('evidence', f(code === 'NOT_FOUND' ? 404 : 422, code))).toEqual({ action: 'blocked' });
    }
  });
});
