#!/usr/bin/env node
/**
 * Check the built app against the contract the Flask server and the browser
 * tests rely on: dist/ has index.html (with exactly one manifest link and the
 * shell's element ids), sw.js with an injected precache list,
 * manifest.webmanifest, assets/ and icons/. Exits 1 listing every problem.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/** @type {string[]} */
const problems = [];
/** @param {boolean} ok @param {string} message */
const expect = (ok, message) => {
  if (!ok) problems.push(message);
};
/** @param {string} path */
const read = (path) => (existsSync(join(DIST, path)) ? readFileSync(join(DIST, path), 'utf8') : '');

const html = read('index.html');
expect(html !== '', 'dist/index.html is missing');
const manifestLinks = html.match(/<link rel="manifest" href="\/manifest\.webmanifest"[^>]*>/g) ?? [];
expect(manifestLinks.length === 1, `index.html has ${manifestLinks.length} manifest links, expected 1`);
expect(html.includes('<title>fieldcert 服务认证现场</title>'), 'index.html <title> is wrong');
expect(/<html lang="zh-CN">/.test(html), 'index.html is not lang="zh-CN"');
for (const id of ['connection-status', 'update-banner', 'lang-zh-CN', 'lang-en']) {
  expect(html.includes(`id="${id}"`), `index.html lacks #${id}`);
}
expect(!/\b(?:src|href)="(?:https?:)?\/\//.test(html), 'index.html loads something from another origin');

const sw = read('sw.js');
expect(sw !== '', 'dist/sw.js is missing');
expect(!sw.includes('self.__WB_MANIFEST'), 'sw.js still has the __WB_MANIFEST placeholder');
expect(sw.includes('"url":"index.html"'), 'sw.js does not precache index.html');

const manifest = read('manifest.webmanifest');
expect(manifest !== '', 'dist/manifest.webmanifest is missing');
if (manifest !== '') {
  const { start_url: startUrl, scope, display, icons } = JSON.parse(manifest);
  expect(startUrl === '/' && scope === '/' && display === 'standalone', 'manifest start_url/scope/display');
  for (const icon of icons ?? []) {
    expect(existsSync(join(DIST, icon.src)), `manifest icon ${icon.src} is not in dist/`);
  }
}

for (const dir of ['assets', 'icons']) {
  const present = existsSync(join(DIST, dir)) && readdirSync(join(DIST, dir)).length > 0;
  expect(present, `dist/${dir}/ is missing or empty`);
}

if (problems.length > 0) {
  console.error(`dist/ check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('dist/ check passed: index.html, sw.js, manifest.webmanifest, assets/, icons/');
