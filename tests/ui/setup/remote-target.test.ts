// Setup's "OpenAI-compatible server" choice against the project's fixture server (Node, 127.0.0.1, the compiled
// engine on a fixture model): the choice it makes (never the key), the connection test's outcomes as the view shows
// them (not allowed by the page's policy: nothing sent; key refused; connected with the served models; nothing
// answering: the CORS help with vLLM's --allowed-origins for the page's origin), and the key's path from the setup
// to a run's source through the session's memory only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyLlamaFixtureFiles } from '../../../src/models/llama/fixture';
import { modelSource } from '../../../src/ui/run/run-spec';
import { storedChoice } from '../../../src/ui/run/spec-store';
import { RemoteKeyNeededError, sessionKeys } from '../../../src/ui/setup/remote-keys.svelte';
import { RemoteTargetChoice, allowedOriginsFlag } from '../../../src/ui/setup/remote-target.svelte';
import { OpenAIFixtureServer } from '../../support/openai-server';

const SELF = 'http://127.0.0.1:4173';
const KEY = 'sk-unit-secret';
let server: OpenAIFixtureServer;

beforeAll(async () => {
  server = await OpenAIFixtureServer.start({ files: new Map(Object.entries(tinyLlamaFixtureFiles({ seed: 3 }))), model: 'tiny', apiKey: KEY, maxModelLen: 96 });
});
afterAll(async () => {
  await server?.close();
});

describe('the remote target-LM choice', () => {
  it('says what is missing, then makes a choice with the normalised URL and `keyed`, never the key', () => {
    const r = new RemoteTargetChoice();
    expect(r.choice()).toBe("enter the server's base URL, e.g. http://localhost:8000/v1");
    r.baseUrl = 'ftp://x/v1';
    expect(r.choice()).toBe('the base URL must start with http:// or https://, got ftp:');
    r.baseUrl = ' http://gpu-box:8000/v1/ ';
    expect(r.origin).toBe('http://gpu-box:8000');
    expect(r.choice()).toBe('test the connection and choose a model the server serves (or type its name)');
    r.model = 'google/gemma-1.1-7b-it';
    expect(r.choice()).toEqual({ kind: 'openai', baseUrl: 'http://gpu-box:8000/v1', model: 'google/gemma-1.1-7b-it', keyed: false });
    r.apiKey = KEY;
    const choice = r.choice();
    expect(choice).toEqual({ kind: 'openai', baseUrl: 'http://gpu-box:8000/v1', model: 'google/gemma-1.1-7b-it', keyed: true });
    expect(JSON.stringify(choice)).not.toContain(KEY);
    expect(JSON.stringify(storedChoice(choice as Exclude<typeof choice, string>))).toBe('{"kind":"openai","baseUrl":"http://gpu-box:8000/v1","model":"google/gemma-1.1-7b-it","keyed":true}');
  });

  it("does not contact a server the page's policy does not allow", async () => {
    const r = new RemoteTargetChoice();
    r.baseUrl = server.baseUrl;
    const before = server.received.length;
    const result = await r.test(["'self'"], SELF);
    expect(result).toMatchObject({ ok: false, reason: 'csp' });
    expect(result.text).toContain(`This page may not connect to ${new URL(server.baseUrl).origin} yet`);
    expect(server.received.length).toBe(before);
  });

  it('reports a refused key, then lists the served models and chooses the one served', async () => {
    const r = new RemoteTargetChoice();
    r.baseUrl = server.baseUrl;
    const allowed = ["'self'", new URL(server.baseUrl).origin];
    expect(await r.test(allowed, SELF)).toMatchObject({ ok: false, reason: 'auth' });
    r.apiKey = 'sk-wrong';
    const refused = await r.test(allowed, SELF);
    expect(refused).toMatchObject({ ok: false, reason: 'auth' });
    expect(refused.text).not.toContain('sk-wrong');
    r.apiKey = KEY;
    const ok = await r.test(allowed, SELF);
    expect(ok).toMatchObject({ ok: true, text: `Connected to ${server.baseUrl}: it serves 1 model: tiny (context 96 tokens).` });
    expect(r.models).toEqual(['tiny']);
    expect(r.model).toBe('tiny');
    expect(server.received.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models', authorization: `Bearer ${KEY}`, outcome: 'answered' });
  });

  it("explains a server that does not answer: vLLM's --allowed-origins with the page's origin, exactly", async () => {
    const r = new RemoteTargetChoice();
    r.baseUrl = 'http://127.0.0.1:9/v1';
    const result = await r.test(null, SELF);
    expect(result).toMatchObject({ ok: false, reason: 'unreachable', corsFlag: `--allowed-origins '["${SELF}"]'` });
    expect(allowedOriginsFlag(SELF)).toBe(`--allowed-origins '["http://127.0.0.1:4173"]'`);
    expect(result.text).toContain(`the server does not allow this page's origin, ${SELF} (CORS)`);
    expect(result.ok ? null : result.detail).toMatch(/^could not reach http:\/\/127\.0\.0\.1:9\/v1\/models/);
    // Same origin as the page: no CORS involved, no flag.
    const same = await r.test(null, 'http://127.0.0.1:9');
    expect(same).toMatchObject({ ok: false, reason: 'unreachable', corsFlag: null });
  });
});

describe("a run's source for a remote target", () => {
  it('takes the key from the session memory, and refuses clearly without it', async () => {
    const r = new RemoteTargetChoice();
    r.baseUrl = `${server.baseUrl}/`;
    r.model = 'tiny';
    r.apiKey = KEY;
    const choice = r.choice();
    if (typeof choice === 'string' || choice.kind !== 'openai') throw new Error(String(choice));
    const error = await modelSource(choice).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteKeyNeededError);
    expect((error as Error).message).toBe(`the target-LM server ${server.baseUrl} (tiny) needs its API key, which the lab keeps only in this page's memory (never stored): enter it where this run asks for it, then press Resume`);
    r.commitKey();
    expect(sessionKeys.get(server.baseUrl)).toBe(KEY);
    expect(JSON.stringify(sessionKeys)).toBe('"[1 API keys held in memory]"');
    expect(await modelSource(choice)).toEqual({ kind: 'openai', baseUrl: server.baseUrl, model: 'tiny', apiKey: KEY });
    sessionKeys.set(server.baseUrl, '');
    expect(sessionKeys.has(server.baseUrl)).toBe(false);
    // A server without a key needs none.
    expect(await modelSource({ ...choice, keyed: false })).toEqual({ kind: 'openai', baseUrl: server.baseUrl, model: 'tiny' });
  });
});
