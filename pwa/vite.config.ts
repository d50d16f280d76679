import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/** Brand colour: theme-color in index.html and the manifest, icon background. */
const THEME_COLOR = '#1e40af';

/**
 * index.html carries its own `<link rel="manifest">` (so the source shows it),
 * and vite-plugin-pwa appends another at build time: keep only the first.
 * Must come after VitePWA() in `plugins`.
 */
function singleManifestLink(): Plugin {
  return {
    name: 'fieldcert:single-manifest-link',
    apply: 'build',
    // Run after vite-plugin-pwa's own post-order transformIndexHtml.
    enforce: 'post',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        let seen = false;
        return html.replace(/<link rel="manifest"[^>]*>/g, (link) => {
          if (seen) return '';
          seen = true;
          return link;
        });
      },
    },
  };
}

export default defineConfig({
  build: {
    // Cheap Android phones and WeChat's in-app browser run older Chromium
    // builds; iOS WeChat uses the system WebKit.
    target: ['chrome87', 'safari14', 'firefox78', 'edge88'],
    // Every browser above supports modulepreload or ignores it harmlessly.
    modulePreload: { polyfill: false },
  },
  server: {
    // `npm run dev` talks to a local Flask server (override with FIELDCERT_API).
    proxy: { '/api': process.env['FIELDCERT_API'] ?? 'http://127.0.0.1:5000' },
  },
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      // src/app/service-worker.ts registers /sw.js itself with workbox-window.
      injectRegister: false,
      // The page asks before activating a new worker (see src/sw.ts).
      registerType: 'prompt',
      scope: '/',
      base: '/',
      manifest: {
        name: 'fieldcert 服务认证现场',
        short_name: 'fieldcert',
        description: '服务认证现场工作：神秘顾客走访、顾客评价与审核。',
        lang: 'zh-CN',
        dir: 'ltr',
        id: '/',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'portrait',
        theme_color: THEME_COLOR,
        background_color: '#ffffff',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          {
            src: '/icons/icon-maskable-512.png',
            sizes: '512x512',
            type: 'image/png',
            purpose: 'maskable',
          },
        ],
      },
      // The manifest icons above are precached too (the plugin adds them, with
      // the manifest itself), so the app stays installable offline.
      includeManifestIcons: true,
      injectManifest: {
        // A classic (non-module) worker: older WebViews cannot run module workers.
        rollupFormat: 'iife',
        // The precache list, deliberately short: only what the shell needs to
        // start offline.
        globPatterns: [
          // The page itself; also the answer to every offline navigation.
          'index.html',
          // The hashed JS and CSS bundles index.html loads.
          'assets/**/*.{js,css}',
        ],
        globIgnores: [
          // Source maps are for debugging; field phones never need them offline.
          '**/*.map',
        ],
        // Not listed, so not precached: icons/favicon-32.png and
        // icons/apple-touch-icon-180.png, which browsers fetch when they want
        // them. scripts/size-report.mjs checks the total against the budget.
      },
      devOptions: {
        // No worker in `vite dev`: it would cache modules under development.
        enabled: false,
      },
    }),
    singleManifestLink(),
  ],
});
