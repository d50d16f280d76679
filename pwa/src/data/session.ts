/**
 * Who is using the phone: sign in with a password (session cookie + CSRF token), or a paired
 * device token from the QR code (`/#pair=fcd_…`, backend/devices/services.py). The last known
 * user is kept in IndexedDB so the app starts offline.
 */
import { ApiError, NetworkError, apiFetch, getDeviceToken, setCsrfToken, setDeviceToken } from './api';
import { deleteMeta, readMeta, writeMeta } from './db';
import { announceChange } from './events';

/** GET /api/auth/me (backend/users/schemas.py UserSchema). */
export interface Me {
  id: string;
  email: string;
  display_name: string;
  /** admin, scheme_manager, team_leader, auditor, reviewer, shopper, client_user. */
  role: string;
  is_active: boolean;
  created_at: string;
  organisation: { id: string; name: string } | null;
}

export async function login(email: string, password: string): Promise<Me> {
  // Login needs the pre-session's CSRF token (apiFetch fetches it); a paired device token on
  // this phone would make the server skip the cookie, so sign-in forgets it.
  await setDeviceToken(null);
  setCsrfToken(null);
  const { data } = await apiFetch<Me & { csrf_token: string }>('POST', '/api/auth/login', { json: { email, password } });
  const { csrf_token: token, ...me } = data;
  // The new session has a new token.
  setCsrfToken(token);
  await writeMeta('me', me);
  // The outbox stopped on AUTH_REQUIRED waits for this: data/sync.ts replays at once.
  announceChange('signed-in');
  return me;
}

/**
 * Sign out: ends the session on the server (when reachable) and forgets the user and the device
 * token on this phone. The outbox and drafts stay: they are sent after the next sign-in.
 */
export async function logout(): Promise<void> {
  try {
    await apiFetch('POST', '/api/auth/logout');
  } catch (error) {
    if (!(error instanceof NetworkError) && !(error instanceof ApiError)) throw error;
  }
  setCsrfToken(null);
  await setDeviceToken(null);
  await deleteMeta('me');
}

/** The signed-in user: the server's answer when it can be reached, the cached copy otherwise. */
export async function currentUser(): Promise<Me | null> {
  try {
    const { data } = await apiFetch<Me>('GET', '/api/auth/me');
    await writeMeta('me', data);
    return data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      await deleteMeta('me');
      return null;
    }
    if (error instanceof NetworkError || (error instanceof ApiError && error.status >= 500)) {
      const cached = await readMeta('me');
      return (cached as Me | undefined) ?? null;
    }
    throw error;
  }
}

/** Whether this phone holds a device token (paired by QR code). */
export async function isPaired(): Promise<boolean> {
  return (await getDeviceToken()) !== null;
}

/** The token in a pairing URL's fragment (`#pair=fcd_…`), or null. */
export function pairingToken(hash: string): string | null {
  const match = /^#?pair=(fcd_[A-Za-z0-9_-]+)$/.exec(hash);
  return match ? (match[1] ?? null) : null;
}

/**
 * Pair this phone from the QR code's URL: store the device token, then remove it from the
 * address bar and the history (it is a credential). True if the URL carried one.
 */
export async function pairFromLocation(loc: Location = location): Promise<boolean> {
  const token = pairingToken(loc.hash);
  if (token === null) return false;
  await setDeviceToken(token);
  setCsrfToken(null);
  announceChange('signed-in');
  history.replaceState(history.state, '', `${loc.pathname}${loc.search}`);
  return true;
}
