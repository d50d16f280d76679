#!/usr/bin/env node
/**
 * Draw the app icons (a white certification seal with a check mark on the
 * brand blue) and write them as PNGs to public/icons/, using only Node's zlib.
 *
 * Run with `npm run icons` after changing the design; the PNGs are committed,
 * so builds never need this script. Output is deterministic.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');

/** @typedef {readonly [number, number, number]} Rgb */
/** @typedef {readonly [number, number]} Point */

/** Brand blue (THEME_COLOR in vite.config.ts) and white. @type {Rgb} */
const BLUE = [0x1e, 0x40, 0xaf];
/** @type {Rgb} */
const WHITE = [0xff, 0xff, 0xff];

/** Samples per pixel side: 4 × 4 supersampling smooths the edges. */
const SUPERSAMPLE = 4;

/**
 * @typedef {object} IconSpec
 * @property {string} file
 * @property {number} size - width and height in pixels
 * @property {boolean} fullBleed - background fills the square (maskable, Apple)
 *   instead of a rounded square with transparent corners
 */

/** @type {IconSpec[]} */
const ICONS = [
  { file: 'icon-192.png', size: 192, fullBleed: false },
  { file: 'icon-512.png', size: 512, fullBleed: false },
  // Maskable: the platform crops to any shape inside the central circle of
  // radius 0.4, so the seal (outer radius 0.345) stays whole.
  { file: 'icon-maskable-512.png', size: 512, fullBleed: true },
  // iOS rounds the corners itself and shows transparency as black.
  { file: 'apple-touch-icon-180.png', size: 180, fullBleed: true },
  { file: 'favicon-32.png', size: 32, fullBleed: false },
];

/** Seal ring: centre radius and stroke width, in units of the icon size. */
const RING_RADIUS = 0.32;
const RING_WIDTH = 0.05;
/** Check mark polyline and stroke width, same units. @type {readonly Point[]} */
const CHECK = [
  [0.35, 0.51],
  [0.455, 0.615],
  [0.66, 0.405],
];
const CHECK_WIDTH = 0.075;
/** Corner radius of the non-full-bleed background. */
const CORNER_RADIUS = 0.22;

/**
 * Distance from point (px, py) to the segment a–b.
 * @param {number} px @param {number} py @param {Point} a @param {Point} b
 */
function segmentDistance(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/**
 * Whether (x, y) in the unit square is inside the background.
 * @param {number} x @param {number} y @param {boolean} fullBleed
 */
function insideBackground(x, y, fullBleed) {
  if (fullBleed) return true;
  const r = CORNER_RADIUS;
  const cx = Math.min(Math.max(x, r), 1 - r);
  const cy = Math.min(Math.max(y, r), 1 - r);
  return Math.hypot(x - cx, y - cy) <= r;
}

/**
 * Whether (x, y) in the unit square is on the white seal (ring or check).
 * @param {number} x @param {number} y
 */
function insideGlyph(x, y) {
  const ring = Math.abs(Math.hypot(x - 0.5, y - 0.5) - RING_RADIUS) <= RING_WIDTH / 2;
  if (ring) return true;
  for (let i = 1; i < CHECK.length; i++) {
    const from = /** @type {Point} */ (CHECK[i - 1]);
    const to = /** @type {Point} */ (CHECK[i]);
    if (segmentDistance(x, y, from, to) <= CHECK_WIDTH / 2) return true;
  }
  return false;
}

/**
 * RGBA pixels of one icon, row by row.
 * @param {IconSpec} icon
 */
function drawIcon({ size, fullBleed }) {
  const pixels = Buffer.alloc(size * size * 4);
  const samples = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let background = 0;
      let glyph = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const x = (px + (sx + 0.5) / SUPERSAMPLE) / size;
          const y = (py + (sy + 0.5) / SUPERSAMPLE) / size;
          if (!insideBackground(x, y, fullBleed)) continue;
          background++;
          if (insideGlyph(x, y)) glyph++;
        }
      }
      const offset = (py * size + px) * 4;
      const mix = background === 0 ? 0 : glyph / background;
      BLUE.forEach((blue, c) => {
        pixels[offset + c] = Math.round(blue + ((WHITE[c] ?? blue) - blue) * mix);
      });
      pixels[offset + 3] = Math.round((255 * background) / samples);
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/**
 * CRC-32 as PNG chunks use it.
 * @param {Buffer} buffer
 */
function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * One PNG chunk: length, type, data, CRC.
 * @param {string} type @param {Buffer} data
 */
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * Encode RGBA pixels as a PNG (8-bit RGBA, no interlace, filter "none").
 * @param {number} size @param {Buffer} pixels
 */
function encodePng(size, pixels) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  // bytes 10–12: compression, filter and interlace methods, all 0
  const rowLength = size * 4;
  const raw = Buffer.alloc((rowLength + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (rowLength + 1)] = 0; // filter type: none
    pixels.copy(raw, y * (rowLength + 1) + 1, y * rowLength, (y + 1) * rowLength);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

mkdirSync(OUT_DIR, { recursive: true });
for (const icon of ICONS) {
  const png = encodePng(icon.size, drawIcon(icon));
  writeFileSync(join(OUT_DIR, icon.file), png);
  console.log(`${icon.file.padEnd(26)} ${String(icon.size).padStart(3)} px  ${png.length} bytes`);
}
