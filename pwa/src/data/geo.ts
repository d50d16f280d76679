/** Positions from the Geolocation API (window only), several readings per check-in. */
import { distanceM, isoWithOffset, type GeoFix } from '../shared/wire';

export { distanceM };
export type { GeoFix };

export class GeoError extends Error {
  /** denied: the user refused; unavailable: no position (indoors, GPS off); unsupported. */
  readonly kind: 'denied' | 'unavailable' | 'unsupported';
  constructor(kind: GeoError['kind'], message: string) {
    super(message);
    this.name = 'GeoError';
    this.kind = kind;
  }
}

/**
 * Up to `count` fixes within `timeoutMs` (watchPosition, high accuracy, no cached position).
 * Resolves with what arrived (best first by accuracy is the caller's choice: the order is the
 * order of arrival); rejects with GeoError when none did.
 */
export function readFixes(count = 3, timeoutMs = 20_000): Promise<GeoFix[]> {
  return new Promise((resolve, reject) => {
    if (typeof navigator === 'undefined' || !('geolocation' in navigator)) {
      reject(new GeoError('unsupported', 'This browser cannot read the position'));
      return;
    }
    const fixes: GeoFix[] = [];
    let done = false;
    const finish = (error?: GeoError): void => {
      if (done) return;
      done = true;
      navigator.geolocation.clearWatch(watch);
      clearTimeout(timer);
      if (fixes.length > 0) resolve(fixes);
      else reject(error ?? new GeoError('unavailable', 'No position within the time limit'));
    };
    const watch = navigator.geolocation.watchPosition(
      (pos) => {
        fixes.push({
          latitude: pos.coords.latitude,
          longitude: pos.coords.longitude,
          accuracy_m: pos.coords.accuracy,
          captured_at: isoWithOffset(new Date(pos.timestamp || Date.now())),
        });
        if (fixes.length >= count) finish();
      },
      (err) => {
        if (err.code === err.PERMISSION_DENIED) finish(new GeoError('denied', err.message || 'Permission denied'));
        // POSITION_UNAVAILABLE / TIMEOUT: keep watching until our own time limit.
      },
      { enableHighAccuracy: true, maximumAge: 0, timeout: timeoutMs },
    );
    const timer = setTimeout(() => finish(), timeoutMs);
  });
}
