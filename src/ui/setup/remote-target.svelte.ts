// The target-LM choice "OpenAI-compatible server" (issue 15.4): base URL, the model chosen from the server's
// /v1/models, an API key held in memory only, and a connection test (engines/remote-connection.ts) whose result is
// text for the view: the models served, or what to fix. A server this page may not reach under its
// Content-Security-Policy is not even tried: the view says to allow it under Connections and reload. When the
// browser cannot read the answer (server down, or CORS), the help names vLLM's --allowed-origins with this page's
// origin, exactly. No DOM.
import { RemoteConnectionError, testConnection } from '../../engines/remote-connection';
import { normaliseBaseUrl } from '../../engines/remote-target-client';
import type { ModelCard } from '../../engines/remote-target-protocol';
import type { ModelChoice } from '../run/run-spec';
import { allowsConnection, httpOrigin } from '../shell/connect-policy';
import { sessionKeys } from './remote-keys.svelte';

export type ConnectionResult =
  | { ok: true; text: string; models: ModelCard[] }
  /**
   * reason: 'csp' (this page's policy does not allow the host yet), 'unreachable' (no answer the browser could read:
   * server down or CORS; `corsFlag` is the vLLM flag to add), 'auth', 'bad-url', 'not-openai'.
   */
  | { ok: false; reason: 'csp' | RemoteConnectionError['reason']; text: string; corsFlag: string | null; detail: string | null };

/** vLLM's flag that lets a page of `origin` read its answers (JSON list, as vLLM parses it). */
export function allowedOriginsFlag(origin: string): string {
  return `--allowed-origins '${JSON.stringify([origin])}'`;
}

export class RemoteTargetChoice {
  baseUrl = $state('');
  model = $state('');
  /** In memory only: never in the setup memory (see SetupState.memory) nor in a run spec. */
  apiKey = $state('');
  /** Model ids the server listed at the last successful test. */
  models = $state.raw<string[]>([]);
  testing = $state(false);
  result = $state.raw<ConnectionResult | null>(null);

  /** The normalised base URL, or a sentence saying what is wrong with it. */
  get normalisedUrl(): string | { problem: string } {
    if (this.baseUrl.trim() === '') return { problem: "enter the server's base URL, e.g. http://localhost:8000/v1" };
    try {
      return normaliseBaseUrl(this.baseUrl);
    } catch (error) {
      return { problem: (error as Error).message };
    }
  }

  /** The server's origin (what Connections allows), or null while the URL is not valid. */
  get origin(): string | null {
    const url = this.normalisedUrl;
    return typeof url === 'string' ? httpOrigin(url) : null;
  }

  /** The choice to run with (never the key: `keyed` only), or a sentence saying what is missing. */
  choice(): ModelChoice | string {
    const url = this.normalisedUrl;
    if (typeof url !== 'string') return url.problem;
    if (this.model.trim() === '') return 'test the connection and choose a model the server serves (or type its name)';
    return { kind: 'openai', baseUrl: url, model: this.model.trim(), keyed: this.apiKey !== '' };
  }

  /** Hands the key to the session's memory (when a run starts with this choice); never stored. */
  commitKey(): void {
    const url = this.normalisedUrl;
    if (typeof url === 'string') sessionKeys.set(url, this.apiKey);
  }

  /**
   * GET {baseUrl}/models once. `allowed`: connect-src sources in force on this page (null: no narrow policy known),
   * `self`: this page's origin.
   */
  async test(allowed: readonly string[] | null, self: string): Promise<ConnectionResult> {
    const url = this.normalisedUrl;
    let result: ConnectionResult;
    if (typeof url !== 'string') {
      result = { ok: false, reason: 'bad-url', text: url.problem, corsFlag: null, detail: null };
    } else if (!allowsConnection(allowed, `${url}/models`, self)) {
      result = {
        ok: false,
        reason: 'csp',
        text: `This page may not connect to ${httpOrigin(url)} yet: the lab connects only to hosts you allow. Allow it under Connections below, then reload the page (the browser applies the change on reload).`,
        corsFlag: null,
        detail: null,
      };
    } else {
      this.testing = true;
      try {
        const { models } = await testConnection(url, this.apiKey || undefined, { pageOrigin: self });
        this.models = models.map((m) => m.id);
        if (!this.models.includes(this.model.trim())) this.model = this.models[0] ?? '';
        const list = models.map((m) => (m.max_model_len ? `${m.id} (context ${m.max_model_len} tokens)` : m.id)).join(', ');
        result = { ok: true, text: `Connected to ${url}: it serves ${models.length} model${models.length === 1 ? '' : 's'}: ${list}.`, models };
      } catch (error) {
        result = failure(error, url, self);
      } finally {
        this.testing = false;
      }
    }
    this.result = result;
    return result;
  }
}

function failure(error: unknown, url: string, self: string): ConnectionResult {
  const message = (error as Error).message ?? String(error);
  if (!(error instanceof RemoteConnectionError)) return { ok: false, reason: 'unreachable', text: message, corsFlag: null, detail: null };
  switch (error.reason) {
    case 'auth':
      return { ok: false, reason: 'auth', text: `The server refused the key: ${message}. Enter the key it was started with (vLLM --api-key), or leave the field empty for a server without one.`, corsFlag: null, detail: null };
    case 'unreachable': {
      const crossOrigin = httpOrigin(url) !== self;
      return {
        ok: false,
        reason: 'unreachable',
        text: crossOrigin
          ? `The browser could not read an answer from ${url}/models. Either nothing answers there (check the address and that the server runs), or the server does not allow this page's origin, ${self} (CORS), and the browser blocked the request. vLLM allows every origin unless it was started with --allowed-origins; if it was, add this page's origin to that flag, exactly as below. A proxy in front of the server must answer the browser's preflight (OPTIONS) with Access-Control-Allow-Origin: ${self} and allow the Authorization and Content-Type headers.`
          : `The browser could not read an answer from ${url}/models: check the address and that the server runs.`,
        corsFlag: crossOrigin ? allowedOriginsFlag(self) : null,
        detail: message,
      };
    }
    default:
      return { ok: false, reason: error.reason, text: message, corsFlag: null, detail: null };
  }
}
