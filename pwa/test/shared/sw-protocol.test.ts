import { describe, expect, it } from 'vitest';
import { API_PATH, isApiPath, isAppShellPath, isSkipWaitingMessage, SKIP_WAITING_MESSAGE } from '../../src/shared/sw-protocol';

describe('isApiPath', () => {
  it.each(['/api', '/api/', '/api/health', '/api/v1/visits/42'])('treats %s as API', (path) => {
    expect(isApiPath(path)).toBe(true);
  });

  it.each(['/', '/index.html', '/apiary', '/visits/api', '/assets/api.js'])(
    'treats %s as app, not API',
    (path) => {
      expect(isApiPath(path)).toBe(false);
    },
  );

  it('matches pathname + search as the navigation denylist sees it', () => {
    expect(API_PATH.test('/api?format=json')).toBe(true);
    expect(API_PATH.test('/visits?from=/api')).toBe(false);
  });
});

describe('isAppShellPath (the navigation allowlist)', () => {
  it.each(['/', '/index.html', '/?source=pwa', '/index.html?x=1'])('gives the app shell for %s', (path) => {
    expect(isAppShellPath(path)).toBe(true);
  });

  it.each(['/s/demo', '/s/demo?lang=en', '/c/ABC123', '/surveys', '/surveys/1/analysis', '/api', '/api/openapi.json', '/sw.js', '/index.htm', '//evil/'])(
    'leaves %s to the network',
    (path) => {
      expect(isAppShellPath(path)).toBe(false);
    },
  );
});

describe('isSkipWaitingMessage', () => {
  it('accepts the message the page posts', () => {
    expect(isSkipWaitingMessage(SKIP_WAITING_MESSAGE)).toBe(true);
    expect(isSkipWaitingMessage({ type: 'SKIP_WAITING' })).toBe(true);
  });

  it('rejects anything else', () => {
    expect(isSkipWaitingMessage(null)).toBe(false);
    expect(isSkipWaitingMessage('SKIP_WAITING')).toBe(false);
    expect(isSkipWaitingMessage({ type: 'CLAIM' })).toBe(false);
    expect(isSkipWaitingMessage({})).toBe(false);
  });
});
