// The hosts the lab may connect to: settings read back only as the user enabled them, the narrow connect-src they
// make (what src/csp-boot.ts inserts), what the page reads back as in force, and which addresses it allows.
import { describe, expect, it } from 'vitest';
import { HUB_SOURCES, NETWORK_KEY, allowsConnection, appliedConnectSources, connectPolicy, connectSources, readNetworkSettings, writeNetworkSettings } from '../../../src/ui/shell/connect-policy';
import { memoryStorage } from '../../support/setup-state';

const SELF = 'http://127.0.0.1:4173';

describe('network settings', () => {
  it('round-trip; nothing stored, broken or ill-typed means nothing enabled', () => {
    const storage = memoryStorage();
    expect(readNetworkSettings(storage)).toEqual({ hub: false, hubMirrors: [], target: null });
    writeNetworkSettings({ hub: true, hubMirrors: ['https://mirror.example'], target: 'http://gpu-box:8000' }, storage);
    expect(readNetworkSettings(storage)).toEqual({ hub: true, hubMirrors: ['https://mirror.example'], target: 'http://gpu-box:8000' });
    storage.setItem(NETWORK_KEY, '{oops');
    expect(readNetworkSettings(storage)).toEqual({ hub: false, hubMirrors: [], target: null });
    storage.setItem(NETWORK_KEY, JSON.stringify({ hub: 'yes', hubMirrors: 'x', target: 7 }));
    expect(readNetworkSettings(storage)).toEqual({ hub: false, hubMirrors: [], target: null });
  });

  it('keep only http(s) origins: a path, a script or a policy injection never reaches the policy', () => {
    const storage = memoryStorage();
    storage.setItem(NETWORK_KEY, JSON.stringify({ hub: true, hubMirrors: ['https://m.example/hub/path', "javascript:alert(1)", "https://x.example; script-src *"], target: "http://gpu-box:8000/v1; connect-src *" }));
    const settings = readNetworkSettings(storage);
    expect(settings.hubMirrors).toEqual(['https://m.example']);
    // The URL parser percent-encodes what follows the host: the origin alone is kept.
    expect(settings.target).toBe('http://gpu-box:8000');
    expect(connectPolicy(settings, SELF)).toBe(`connect-src 'self' ${HUB_SOURCES.join(' ')} https://m.example http://gpu-box:8000`);
  });
});

describe('the narrow connect-src', () => {
  it("is 'self' alone by default, adds the hub and its mirrors only when enabled, and the target's origin", () => {
    expect(connectPolicy({ hub: false, hubMirrors: ['https://m.example'], target: null }, SELF)).toBe("connect-src 'self'");
    expect(connectSources({ hub: true, hubMirrors: [SELF, 'https://m.example', 'https://m.example'], target: 'http://10.0.0.5:8000' }, SELF)).toEqual([
      "'self'",
      'https://huggingface.co',
      'https://*.huggingface.co',
      'https://*.hf.co',
      'https://m.example',
      'http://10.0.0.5:8000',
    ]);
  });

  it('is read back from the meta csp-boot inserts (null without one)', () => {
    const doc = (content: string | null) => ({ querySelector: () => (content === null ? null : { getAttribute: () => content }) }) as unknown as Document;
    expect(appliedConnectSources(doc("connect-src 'self' http://gpu-box:8000"))).toEqual(["'self'", 'http://gpu-box:8000']);
    expect(appliedConnectSources(doc(null))).toBeNull();
  });

  it('allows exactly what a browser would: our origin, listed origins (port included), hub subdomains', () => {
    const sources = connectSources({ hub: true, hubMirrors: [], target: 'http://gpu-box:8000' }, SELF);
    const allows = (address: string) => allowsConnection(sources, address, SELF);
    expect(allows('/assets/x.js')).toBe(true);
    expect(allows('http://gpu-box:8000/v1/models')).toBe(true);
    expect(allows('http://gpu-box:8001/v1/models')).toBe(false);
    expect(allows('https://gpu-box:8000/v1/models')).toBe(false);
    expect(allows('https://huggingface.co/api/models')).toBe(true);
    expect(allows('https://datasets-server.huggingface.co/rows')).toBe(true);
    expect(allows('https://cas-bridge.xethub.hf.co/x')).toBe(true);
    expect(allows('http://huggingface.co/')).toBe(false);
    expect(allows('https://evilhuggingface.co/')).toBe(false);
    expect(allowsConnection(["'self'"], 'https://huggingface.co/', SELF)).toBe(false);
    expect(allowsConnection(null, 'https://anything.example/', SELF)).toBe(true);
  });
});
