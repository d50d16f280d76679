import { describe, expect, it } from 'vitest';
import { cited } from '../../src/onsite/rules';

describe('cited: the evidence a record queues before itself', () => {
  it('collects the photos of every clause and the exemption certificate (§5.2.2)', () => {
    const ids = cited({
      clauses: { '4.1': { level: 3, evidence: ['a', 'b'] }, '4.2': { level: null }, '5.1': { judgement: 'full', evidence: ['c'] } },
      exemption: { certificate_evidence: 'd', certificate_number: 'x' },
    });
    expect([...ids].sort()).toEqual(['a', 'b', 'c', 'd']);
  });
  it('has nothing when no clause has photos and there is no exemption', () => {
    expect(cited({ clauses: { '1.1': { level: 2, evidence: [] } }, exemption: null }).size).toBe(0);
    expect(cited({ pair_id: 'p', ratings: {} }).size).toBe(0);
  });
});
