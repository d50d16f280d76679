#!/usr/bin/env node
/**
 * Print the gzip size of the initial JS (what index.html loads before the app
 * runs) and of everything the service worker precaches, and fail if either
 * is over budget. Run after `vite build` (npm run build does).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/** Budgets, gzip bytes (cheap phones on slow mobile data). */
const BUDGET_INITIAL_JS = 120 * 1024;
const BUDGET_PRECACHE = 400 * 1024;

/** @param {string} path dist-relative */
function gzipSize(path) {
  return gzipSync(readFileSync(join(DIST, path)), { level: 9 }).length;
}

/** @param {number} bytes */
function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** @param {string} title @param {string[]} files @param {number} budget */
function report(title, files, budget) {
  const rows = files.map((file) => ({ file, gzip: gzipSize(file) }));
  const total = rows.reduce((sum, row) => sum + row.gzip, 0);
  console.log(`${title} (gzip):`);
  for (const { file, gzip } of rows) console.log(`  ${kb(gzip).padStart(9)}  ${file}`);
  console.log(`  ${kb(total).padStart(9)}  total, budget ${kb(budget)}`);
  return total <= budget;
}

const html = readFileSync(join(DIST, 'index.html'), 'utf8');
// Module scripts and modulepreloads are fetched before the app can start.
const initialJs = [
  ...html.matchAll(/<script[^>]*\bsrc="\/([^"]+\.js)"/g),
  ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="\/([^"]+\.js)"/g),
].map((match) => /** @type {string} */ (match[1]));

// The precache list workbox-build injected into sw.js.
const sw = readFileSync(join(DIST, 'sw.js'), 'utf8');
const precached = [...sw.matchAll(/"url":"([^"]+)"/g)].map((match) => /** @type {string} */ (match[1]));

const initialOk = report('Initial JS', initialJs, BUDGET_INITIAL_JS);
const precacheOk = report('Precached', precached, BUDGET_PRECACHE);
console.log(`Service worker (gzip): ${kb(gzipSize('sw.js'))}  sw.js (not in the precache; fetched by the browser)`);

if (!initialOk || !precacheOk) {
  console.error('Over budget.');
  process.exit(1);
}
