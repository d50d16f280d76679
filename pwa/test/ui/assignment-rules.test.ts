import { describe, expect, it } from 'vitest';
import { overtaken, startRefusal } from '../../src/ui/assignment-rules';

describe('startRefusal', () => {
  it('lets a visit start while the server still expects one', () => {
    expect(startRefusal('assigned')).toBeNull();
    expect(startRefusal('in_progress')).toBeNull();
  });
  it('refuses a submitted, completed, cancelled or vanished assignment, saying which', () => {
    expect(startRefusal('submitted')).toBe('submitted');
    expect(startRefusal('completed')).toBe('completed');
    expect(startRefusal('cancelled')).toBe('cancelled');
    expect(startRefusal(null)).toBe('gone');
  });
});

describe('overtaken', () => {
  it('is a draft the server never received of an assignment submitted or completed meanwhile', () => {
    expect(overtaken({ status: 'draft', serverVersion: null }, 'submitted')).toBe(true);
    expect(overtaken({ status: 'draft', serverVersion: null }, 'completed')).toBe(true);
  });
  it('is not this phone’s own submitted, returned or known visit, nor an open assignment', () => {
    expect(overtaken({ status: 'synced', serverVersion: 1 }, 'submitted')).toBe(false);
    expect(overtaken({ status: 'queued', serverVersion: null }, 'submitted')).toBe(false);
    expect(overtaken({ status: 'draft', serverVersion: 2 }, 'submitted')).toBe(false);
    expect(overtaken({ status: 'draft', serverVersion: null }, 'assigned')).toBe(false);
    expect(overtaken({ status: 'draft', serverVersion: null }, null)).toBe(false);
  });
});
