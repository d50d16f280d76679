import { describe, expect, it, vi } from 'vitest';
import { getDeviceToken } from '../../src/data/api';
import { readMeta } from '../../src/data/db';
import { currentUser, isPaired, login, logout, pairFromLocation, pairingToken } from '../../src/data/session';
import { useHarness } from './harness';

useHarness();

const ME = {
  id: 'u1', email: 'shopper@example.com', display_name: '李敏', role: 'shopper', is_active: true,
  created_at: '2026-01-01T00:00:00Z', organisation: { id: 'o1', name: 'CB' },
};

function server(routes: Record<string, () => Response>): string[] {
  const seen: string[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const key = `${init.method} ${url}`;
    seen.push(key);
    const route = routes[key];
    if (!route) throw new TypeError('Failed to fetch');
    return route();
  });
  return seen;
}
const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('session', () => {
  it('signs in with the pre-session CSRF token and keeps the user for offline start-up', async () => {
    const seen = server({
      'GET /api/auth/csrf': () => json(200, { csrf_token: 'pre' }),
      'POST /api/auth/login': () => json(200, { ...ME, csrf_token: 'post' }),
    });
    expect(await login('shopper@example.com', 'pw')).toEqual(ME);
    expect(seen).toEqual(['GET /api/auth/csrf', 'POST /api/auth/login']);
    // Offline now: the cached copy.
    server({});
    expect(await currentUser()).toEqual(ME);
  });

  it('forgets the user on 401 and on logout', async () => {
    server({ 'GET /api/auth/me': () => json(200, ME) });
    expect(await currentUser()).toEqual(ME);
    server({ 'GET /api/auth/me': () => json(401, { code: 'AUTH_REQUIRED', message: '', details: {} }) });
    expect(await currentUser()).toBeNull();
    expect(await readMeta('me')).toBeUndefined();
    server({ 'GET /api/auth/me': () => json(200, ME) });
    await currentUser();
    server({}); // logout offline still forgets locally
    await logout();
    expect(await currentUser()).toBeNull();
  });

  it('pairs from the QR code URL, stores the token and strips it from the address', async () => {
    expect(pairingToken('#pair=fcd_AbC-12_x')).toBe('fcd_AbC-12_x');
    expect(pairingToken('#/assignments')).toBeNull();
    expect(pairingToken('#pair=nope')).toBeNull();
    const replaceState = vi.fn();
    vi.stubGlobal('history', { state: null, replaceState });
    const loc = { hash: '#pair=fcd_token1', pathname: '/', search: '' } as Location;
    expect(await pairFromLocation(loc)).toBe(true);
    expect(replaceState).toHaveBeenCalledWith(null, '', '/');
    expect(await getDeviceToken()).toBe('fcd_token1');
    expect(await isPaired()).toBe(true);
    expect(await pairFromLocation({ hash: '', pathname: '/', search: '' } as Location)).toBe(false);
  });
});
