import { describe, expect, it } from 'vitest';
import { displaySize, jpegInfo } from '../../src/shared/jpeg';

/** A JPEG header: SOI, optionally an APP1 Exif with Orientation, an APP2 filler, SOF0. */
function header(width: number, height: number, orientation: number | null, littleEndian = false): Uint8Array {
  const out: number[] = [0xff, 0xd8];
  if (orientation !== null) {
    const u16 = (v: number): number[] => (littleEndian ? [v & 255, v >> 8] : [v >> 8, v & 255]);
    const u32 = (v: number): number[] => (littleEndian ? [...u16(v & 0xffff), ...u16(v >>> 16)] : [...u16(v >>> 16), ...u16(v & 0xffff)]);
    const tiff = [
      ...(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d]), ...u16(42), ...u32(8),
      ...u16(2),
      ...u16(0x010f), ...u16(2), ...u32(4), 0x41, 0x42, 0x43, 0, // Make "ABC"
      ...u16(0x0112), ...u16(3), ...u32(1), ...u16(orientation), 0, 0,
      ...u32(0),
    ];
    const app1 = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
    out.push(0xff, 0xe1, (app1.length + 2) >> 8, (app1.length + 2) & 255, ...app1);
  }
  const filler = new Array(300).fill(7);
  out.push(0xff, 0xe2, (filler.length + 2) >> 8, (filler.length + 2) & 255, ...filler);
  out.push(0xff, 0xc0, 0, 17, 8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1);
  out.push(0xff, 0xda, 0, 2);
  return Uint8Array.from(out);
}

describe('jpegInfo', () => {
  it('reads the frame size and the EXIF orientation (both byte orders)', () => {
    expect(jpegInfo(header(4000, 3000, 6))).toEqual({ width: 4000, height: 3000, orientation: 6 });
    expect(jpegInfo(header(4032, 3024, 8, true))).toEqual({ width: 4032, height: 3024, orientation: 8 });
    expect(jpegInfo(header(1600, 1200, null))).toEqual({ width: 1600, height: 1200, orientation: 1 });
  });
  it('gives the displayed size', () => {
    expect(displaySize({ width: 4000, height: 3000, orientation: 6 })).toEqual({ width: 3000, height: 4000 });
    expect(displaySize({ width: 4000, height: 3000, orientation: 3 })).toEqual({ width: 4000, height: 3000 });
  });
  it('answers null for other files and for a header cut before the frame', () => {
    expect(jpegInfo(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]))).toBeNull();
    const full = header(4000, 3000, 6);
    expect(jpegInfo(full.subarray(0, 200))).toBeNull();
  });
});
