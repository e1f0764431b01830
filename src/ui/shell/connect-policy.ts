// Which hosts the lab may connect to (issues 14.4 and 15.4): the user's choice, kept in localStorage, and the
// Content-Security-Policy it becomes. index.html carries a static outer-bound policy (connect-src wide enough for
// any host a user may enable); src/csp-boot.ts, the first module of the page, reads these settings and inserts a
// second, narrower policy: connect-src 'self' plus the hub (when enabled, with any mirror addresses entered) plus
// the remote target-LM's origin (when enabled). Policies intersect, so the narrow one rules, for the page and for
// the workers started from blob: URLs (src/ui/shell/bound-worker.ts). A meta policy cannot be widened at run time:
// a change takes effect on the next load. Pure functions and storage access only; no DOM beyond reading the meta.

export interface NetworkSettings {
  /** The Hugging Face hub (models and the datasets-server) and the mirrors in `hubMirrors`. */
  hub: boolean;
  /** Origins of hub or datasets-server mirrors entered in Setup, allowed with the hub. */
  hubMirrors: string[];
  /** The origin of the remote target-LM server the user allowed (e.g. http://gpu-box:8000), or null. */
  target: string | null;
}

export const NETWORK_KEY = 'gflowpo-lab.network.v1';

/** The hub's hosts: huggingface.co, its subdomains (datasets-server) and the file CDNs (*.hf.co). */
export const HUB_SOURCES: readonly string[] = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'];

/** Marks the meta element csp-boot.ts inserts, so the views can read what is in force. */
export const CONNECT_META_ATTRIBUTE = 'data-connect-policy';

export const NO_NETWORK: Readonly<NetworkSettings> = Object.freeze({ hub: false, hubMirrors: [], target: null });

/** The origin of an http(s) address (null for anything else: it never enters the policy). */
export function httpOrigin(address: string): string | null {
  try {
    const url = new URL(address.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

/** Checked copy of stored settings: anything unexpected is dropped (never a source the user did not enable). */
export function readNetworkSettings(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): NetworkSettings {
  try {
    const o = JSON.parse(storage?.getItem(NETWORK_KEY) ?? 'null') as Record<string, unknown> | null;
    if (!o || typeof o !== 'object') return { ...NO_NETWORK, hubMirrors: [] };
    const mirrors = Array.isArray(o['hubMirrors']) ? o['hubMirrors'].filter((m): m is string => typeof m === 'string') : [];
    const target = typeof o['target'] === 'string' ? httpOrigin(o['target']) : null;
    return { hub: o['hub'] === true, hubMirrors: mirrors.map(httpOrigin).filter((m): m is string => m !== null), target };
  } catch {
    return { ...NO_NETWORK, hubMirrors: [] };
  }
}

export function writeNetworkSettings(settings: NetworkSettings, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(NETWORK_KEY, JSON.stringify(settings));
  } catch {
    // Storage blocked or full: the next load keeps the previous (or no) hosts.
  }
}

/** connect-src's sources for the settings, 'self' first, each once. */
export function connectSources(settings: NetworkSettings, self?: string): string[] {
  const out = ["'self'"];
  const add = (source: string | null) => {
    if (source && source !== self && !out.includes(source)) out.push(source);
  };
  if (settings.hub) {
    for (const s of HUB_SOURCES) add(s);
    for (const m of settings.hubMirrors) add(httpOrigin(m));
  }
  add(settings.target ? httpOrigin(settings.target) : null);
  return out;
}

/** The narrow policy csp-boot.ts inserts. */
export function connectPolicy(settings: NetworkSettings, self?: string): string {
  return `connect-src ${connectSources(settings, self).join(' ')}`;
}

/** The connect-src sources in force in this document (null when no narrow policy was inserted: not the lab's page). */
export function appliedConnectSources(doc: Pick<Document, 'querySelector'> | undefined = globalThis.document): string[] | null {
  const content = doc?.querySelector(`meta[${CONNECT_META_ATTRIBUTE}]`)?.getAttribute('content');
  if (!content) return null;
  return content.replace(/^connect-src\s+/, '').split(/\s+/).filter((s) => s !== '');
}

/**
 * Whether `address` may be fetched under `sources` (connect-src source expressions as this file writes them:
 * 'self', origins and https://*.host wildcards). null sources: no narrow policy, nothing to say.
 */
export function allowsConnection(sources: readonly string[] | null, address: string, self: string): boolean {
  if (sources === null) return true;
  let url: URL;
  try {
    url = new URL(address, self);
  } catch {
    return false;
  }
  if (url.origin === self) return sources.includes("'self'");
  return sources.some((s) => {
    const wild = /^(https?):\/\/\*\.(.+)$/.exec(s);
    if (wild) return url.protocol === `${wild[1]}:` && url.hostname.endsWith(`.${wild[2]}`) && url.port === '';
    return httpOrigin(s) === url.origin;
  });
}
