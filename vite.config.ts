// Vite + Vitest config: Svelte SPA, cross-origin isolation for threaded wasm, ORT served from our origin, node and browser test projects.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { playwright } from '@vitest/browser-playwright';
import { readFileSync } from 'node:fs';
import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vitest/config';

/** Cross-origin isolation (SharedArrayBuffer, multi-threaded wasm) needs both headers. */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The lab's outer-bound Content-Security-Policy, one source: the static <meta> of index.html (which covers dev,
 * preview and the built output); vite preview also sends it as a header, with frame-ancestors (a directive a <meta>
 * cannot carry). The narrow connect-src of the hosts the user enabled is inserted by src/csp-boot.ts at load. Not on
 * the dev server's headers: vitest's browser runner is served by it and uses inline scripts.
 */
const cspMeta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(readFileSync(new URL('./index.html', import.meta.url), 'utf8'))?.[1];
if (!cspMeta) throw new Error('index.html has no Content-Security-Policy <meta>: restore it (issue 14, lockdown)');
const CSP = `${cspMeta}; frame-ancestors 'none'`;

/** Flags for Debian's headless Chromium: WebGPU (SwiftShader adapter) and no calls out of the closed network. */
const chromiumArgs = [
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--no-sandbox',
];

export default defineConfig({
  plugins: [
    svelte({ configFile: false }),
    // Offline (issue 14): Workbox precaches the app shell, ORT's wasm and any demo models under public/models; hub
    // downloads are kept by the model cache (Cache API). 'prompt': src/ui/shell/UpdateBanner.svelte registers the
    // worker and offers a waiting new version with a button, never replacing the app mid-run (no inline script).
    VitePWA({
      registerType: 'prompt',
      injectRegister: false,
      manifest: {
        name: 'GFlowPO lab',
        short_name: 'GFlowPO',
        description: 'Prompt optimisation with GFlowNets, in the browser, offline.',
        start_url: './',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#1f4e79',
        icons: [{ src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,mjs,css,html,svg,wasm,json,onnx,bin,safetensors,model}'],
        maximumFileSizeToCacheInBytes: 128 * 1024 * 1024,
        navigateFallback: null,
      },
    }),
  ],
  // The lab routes by hash (#/setup, #/run/<id>): no HTML fallback, so a missing file (an optional model file
  // under public/ or a test hub) is a 404 instead of index.html.
  appType: 'mpa',
  server: { headers: isolationHeaders },
  preview: { headers: { ...isolationHeaders, 'Content-Security-Policy': CSP } },
  worker: { format: 'es' },
  optimizeDeps: {
    // ORT and transformers.js locate their wasm relative to their own files: never pre-bundle them.
    exclude: ['onnxruntime-web', '@huggingface/transformers'],
    // onnx-proto is CommonJS; pre-bundling it up front avoids a mid-test reload when a browser test first imports it.
    include: ['onnx-proto', 'papaparse', 'uplot'],
  },
  test: {
    reporters: ['default', './tests/support/plain-summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          // CI runs both projects at once on 2 cores: model tests take seconds there, not milliseconds.
          testTimeout: 60_000,
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/browser/**', 'tests/e2e/**', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          // The WebGPU adapter here is SwiftShader, a CPU emulation: sessions take seconds, not milliseconds.
          testTimeout: 120_000,
          hookTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            // Our tests render nothing; a failure screenshot would be a blank page.
            screenshotFailures: false,
            provider: playwright({
              launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        extends: true,
        test: {
          // The built app (vite build + vite preview, started by the global setup) driven by Playwright in Chromium.
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          // One Chromium at a time: the app's workers already use both cores.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
