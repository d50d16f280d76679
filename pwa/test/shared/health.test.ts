import { describe, expect, it } from 'vitest';
import { connectionStatus, parseHealthBody, type HealthProbe } from '../../src/shared/health';

const healthy: HealthProbe = {
  kind: 'response',
  httpStatus: 200,
  body: { status: 'ok', database: 'ok', version: '0.1.0' },
};

describe('connectionStatus', () => {
  it('is offline whenever the browser says it is offline, whatever the last probe', () => {
    expect(connectionStatus(false, null)).toBe('offline');
    expect(connectionStatus(false, healthy)).toBe('offline');
  });

  it('is checking while online and no probe has finished', () => {
    expect(connectionStatus(true, null)).toBe('checking');
  });

  it('is online when the server reports itself and its database ok', () => {
    expect(connectionStatus(true, healthy)).toBe('online');
  });

  it('is offline when fetch fails (server unreachable)', () => {
    expect(connectionStatus(true, { kind: 'network-error' })).toBe('offline');
  });

  it('is offline when the request times out', () => {
    expect(connectionStatus(true, { kind: 'timeout' })).toBe('offline');
  });

  it('is a server error on a non-2xx answer', () => {
    expect(connectionStatus(true, { kind: 'http-error', httpStatus: 503 })).toBe('server-error');
    expect(connectionStatus(true, { kind: 'http-error', httpStatus: 502 })).toBe('server-error');
  });

  it('is a server error when the database is not ok', () => {
    const probe: HealthProbe = {
      kind: 'response',
      httpStatus: 200,
      body: { status: 'ok', database: 'error', version: '0.1.0' },
    };
    expect(connectionStatus(true, probe)).toBe('server-error');
  });

  it('is a server error when the status is not ok', () => {
    const probe: HealthProbe = {
      kind: 'response',
      httpStatus: 200,
      body: { status: 'degraded', database: 'ok', version: '0.1.0' },
    };
    expect(connectionStatus(true, probe)).toBe('server-error');
  });

  it('is a server error when a 2xx body is not health JSON (captive portal page)', () => {
    expect(connectionStatus(true, { kind: 'response', httpStatus: 200, body: null })).toBe('server-error');
    expect(connectionStatus(true, { kind: 'response', httpStatus: 200, body: '<html>' })).toBe(
      'server-error',
    );
  });
});

describe('parseHealthBody', () => {
  it('returns the fields of a well-formed body', () => {
    expect(parseHealthBody({ status: 'ok', database: 'ok', version: '1.2.3' })).toEqual({
      status: 'ok',
      database: 'ok',
      version: '1.2.3',
    });
  });

  it('accepts a body without a version, reporting it as empty', () => {
    expect(parseHealthBody({ status: 'ok', database: 'ok' })).toEqual({
      status: 'ok',
      database: 'ok',
      version: '',
    });
  });

  it('rejects values that are not health bodies', () => {
    expect(parseHealthBody(null)).toBeNull();
    expect(parseHealthBody('ok')).toBeNull();
    expect(parseHealthBody({ status: 'ok' })).toBeNull();
    expect(parseHealthBody({ status: 1, database: 'ok' })).toBeNull();
  });
});
