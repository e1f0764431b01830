// The lab's connection test for an OpenAI-compatible server, before a run: GET {baseUrl}/models once, returning the
// served models, or a RemoteConnectionError whose `reason` says what to fix; from a page of another origin the
// message explains what a browser needs (CORS: vLLM's --allowed-origins, mixed content, the lab's CSP connect-src).
// It keeps nothing: the key is used for this one request.
import { type RemoteClientHooks, OpenAIClient, RemoteTargetAuthError, RemoteTargetError, RemoteTargetProtocolError, RemoteTargetRequestError } from './remote-target-client';
import { type ModelCard, parseModelList } from './remote-target-protocol';

/** Why testConnection failed, for the lab's setup view. */
export type ConnectionFailure = 'bad-url' | 'auth' | 'unreachable' | 'not-openai';

export class RemoteConnectionError extends RemoteTargetError {
  override name = 'RemoteConnectionError';
  constructor(
    message: string,
    readonly reason: ConnectionFailure,
  ) {
    super(message);
  }
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * What a page (or worker) at `pageOrigin` must have for a fetch to `baseUrl` to reach the server and read its answer,
 * as text for an error message: CORS (vLLM allows every origin unless started with --allowed-origins), mixed content
 * (an https page cannot call an http server other than localhost), and the lab's CSP connect-src.
 */
export function browserReachHelp(baseUrl: string, pageOrigin: string): string {
  const target = new URL(baseUrl);
  const page = new URL(pageOrigin);
  const notes: string[] = [];
  if (page.protocol === 'https:' && target.protocol === 'http:' && !LOCAL_HOSTS.has(target.hostname)) {
    notes.push(`this page is https and the server http: the browser blocks that (mixed content); serve the server over https (vLLM --ssl-keyfile/--ssl-certfile or a proxy) or open the lab over http://localhost`);
  }
  if (target.origin !== page.origin) {
    notes.push(
      `the browser only reads the answer when the server allows this page's origin (CORS): vLLM allows every origin by default, but if it was started with --allowed-origins, add this one: --allowed-origins '["${page.origin}"]' (a proxy in front of it must answer the preflight OPTIONS request with Access-Control-Allow-Origin: ${page.origin} and allow the Authorization and Content-Type headers)`,
    );
    notes.push(`the lab's Content-Security-Policy must list ${target.origin} in connect-src`);
  }
  return notes.length > 0 ? ` From a browser also check: ${notes.map((n, i) => `(${i + 1}) ${n}`).join('; ')}.` : '';
}

/**
 * Checks a server before a run: GET {baseUrl}/models once (no retries, 10 s), returning the models it serves, or a
 * RemoteConnectionError whose `reason` says what to fix (bad URL, key, unreachable: with the CORS / mixed content /
 * CSP help when called from a page of another origin, not an OpenAI-compatible answer).
 */
export async function testConnection(baseUrl: string, apiKey?: string, options: { timeoutMs?: number; pageOrigin?: string; hooks?: RemoteClientHooks } = {}): Promise<{ baseUrl: string; models: ModelCard[] }> {
  let client: OpenAIClient;
  try {
    client = new OpenAIClient(baseUrl, apiKey, { maxRetries: 0, timeoutMs: options.timeoutMs ?? 10_000, circuitCooldownMs: 0 }, options.hooks);
  } catch (error) {
    throw new RemoteConnectionError((error as Error).message, 'bad-url');
  }
  const origin = options.pageOrigin ?? (globalThis as { location?: { origin?: string } }).location?.origin;
  try {
    return { baseUrl: client.baseUrl, models: await client.models((json) => parseModelList(json, `${client.baseUrl}/models`)) };
  } catch (error) {
    const message = (error as Error).message;
    if (error instanceof RemoteTargetAuthError) throw new RemoteConnectionError(message, 'auth');
    if (error instanceof RemoteTargetProtocolError) throw new RemoteConnectionError(`${message}. Is the base URL right? It usually ends in /v1`, 'not-openai');
    if (error instanceof RemoteTargetRequestError) throw new RemoteConnectionError(`${message}. Is the base URL right? vLLM serves /v1/models, so the base URL usually ends in /v1`, 'not-openai');
    const help = origin && origin !== 'null' ? browserReachHelp(client.baseUrl, origin) : '';
    throw new RemoteConnectionError(`could not reach ${client.baseUrl}/models: ${message.replace(/; the run stopped.*$/, '')}.${help}`, 'unreachable');
  }
}
