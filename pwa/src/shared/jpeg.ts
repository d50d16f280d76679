/**
 * A JPEG's pixel size and EXIF orientation, read from its first bytes without decoding it, so a
 * 12-megapixel photo can be decoded straight to its downscaled size (one pass instead of a full
 * decode and a redraw). Pure: bytes in, numbers out.
 */

export interface JpegInfo {
  /** As stored (before orientation). */
  width: number;
  height: number;
  /** EXIF Orientation 1–8 (1 when absent). 5–8 swap width and height for display. */
  orientation: number;
}

/** SOFn markers that carry the frame size (not DHT C4, JPG C8, DAC CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function exifOrientation(bytes: Uint8Array, start: number, end: number): number | null {
  // "Exif\0\0" then a TIFF header.
  if (end - start < 14) return null;
  if (String.fromCharCode(...bytes.subarray(start, start + 4)) !== 'Exif') return null;
  const tiff = start + 6;
  const little = bytes[tiff] === 0x49 && bytes[tiff + 1] === 0x49;
  const big = bytes[tiff] === 0x4d && bytes[tiff + 1] === 0x4d;
  if (!little && !big) return null;
  const u16 = (at: number): number =>
    little ? (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) : ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
  const u32 = (at: number): number => (little ? u16(at) + u16(at + 2) * 65536 : u16(at) * 65536 + u16(at + 2));
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end) return null;
  const count = u16(ifd);
  for (let i = 0; i < count; i += 1) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return null;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : null;
    }
  }
  return null;
}

/** null when the bytes are not a JPEG or its frame header is not within them. */
export function jpegInfo(bytes: Uint8Array): JpegInfo | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let orientation = 1;
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end, or scan data before any frame
    const length = ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0);
    if (length < 2) return null;
    const body = at + 4;
    if (marker === 0xe1) {
      const o = exifOrientation(bytes, body, Math.min(at + 2 + length, bytes.length));
      if (o !== null) orientation = o;
    } else if (isStartOfFrame(marker)) {
      if (body + 5 > bytes.length) return null;
      const height = ((bytes[body + 1] ?? 0) << 8) | (bytes[body + 2] ?? 0);
      const width = ((bytes[body + 3] ?? 0) << 8) | (bytes[body + 4] ?? 0);
      return width > 0 && height > 0 ? { width, height, orientation } : null;
    }
    at += 2 + length;
  }
  return null;
}

/** The size a person sees (orientation applied). */
export function displaySize(info: JpegInfo): { width: number; height: number } {
  return info.orientation >= 5 ? { width: info.height, height: info.width } : { width: info.width, height: info.height };
}
