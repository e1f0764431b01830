// Starts a module worker bound by the page's Content-Security-Policy. A worker fetched from our origin runs under
// its own response's policy (the server's header, or none), not the page's, so the narrow connect-src that
// src/csp-boot.ts inserts would not reach it; a worker started from a blob: URL inherits its creator's policy
// (CSP3 "initialize a worker's policy container": local schemes copy the creator's). So each worker starts from
// a one-line blob module that imports the bundled worker script by absolute URL (`?worker&url` imports give that
// URL; the script keeps its own import.meta.url for its assets). The page's worker-src allows blob: for this.
// Verified in Chromium by tests/e2e/csp.test.ts (a fetch from the lab worker to a host not enabled is blocked).

/** A module worker running `scriptUrl` (an absolute or page-relative URL of our origin) under the page's policy. */
export function boundWorker(scriptUrl: string, options: { name?: string } = {}): Worker {
  const absolute = new URL(scriptUrl, location.href).href;
  const blob = new Blob([`import ${JSON.stringify(absolute)};\n`], { type: 'text/javascript' });
  const url = URL.createObjectURL(blob);
  try {
    return new Worker(url, { type: 'module', ...(options.name ? { name: options.name } : {}) });
  } finally {
    // The worker's script is resolved when it is constructed: the URL is no longer needed.
    URL.revokeObjectURL(url);
  }
}
