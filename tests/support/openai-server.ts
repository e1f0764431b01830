// A small OpenAI-compatible server for tests (Node http on 127.0.0.1, port 0 by default), backed by our compiled
// engine (CausalLM, wasm) on a hub-layout model such as the tiny fixture: the subset of vLLM's API the remote target
// uses — GET /v1/models, POST /v1/completions (string / string list / token-id prompts, echo, logprobs 0,
// prompt_logprobs 0, return_tokens_as_token_ids, greedy decoding only) and POST /tokenize — in vLLM's shapes
// (tests/engines/vllm-schema.ts), with Bearer-key checking and injected faults (statuses, timeouts, dropped
// connections, malformed JSON, altered answers, the server going away and coming back). Not a general server:
// it refuses sampling (temperature > 0) and alternatives (logprobs > 0) with a 400 saying so.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Socket } from 'node:net';
import { endOfSequenceIds, loadModelFiles } from '../../src/models/formats/load-model';
import { CausalLM, uploadLlamaWeights } from '../../src/runtime/causal-lm';
import { loadOrtNode } from '../../src/runtime/ort-node';
import { PromptTokenizer } from '../../src/runtime/tokenizer';

export type Fault =
  /** Answer with this status (and Retry-After seconds, body) instead of the real answer. */
  | { kind: 'status'; status: number; retryAfter?: number; body?: string }
  /** Never answer (the client's timeout fires; the socket closes with the client's abort or close()). */
  | { kind: 'hang' }
  /** Destroy the connection before answering. */
  | { kind: 'drop' }
  /** Send the headers and half of the real body, then destroy the connection. */
  | { kind: 'drop-mid-body' }
  /** 200 with a body that is not JSON. */
  | { kind: 'malformed' }
  /** The real answer, changed by `alter` (wrong shapes). */
  | { kind: 'alter'; alter: (json: Record<string, unknown>) => unknown };

export interface ReceivedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
  /** What happened: 'answered', a fault kind, 'unauthorized' or 'refused' (a 4xx). */
  outcome: string;
  /** The JSON body sent back with status 200 (absent for faults and errors). */
  response?: unknown;
}

export interface OpenAIFixtureServerOptions {
  /** Hub-layout files (config.json, tokenizer.json, model.safetensors, ...). */
  files: ReadonlyMap<string, Uint8Array>;
  /** A model already loaded from those files (shared with a local target in the same test; not released by close()). */
  engine?: ServedModel;
  /** The served model name (vLLM --served-model-name). */
  model: string;
  /** When set, /v1/* requires `Authorization: Bearer <apiKey>` (vLLM --api-key). */
  apiKey?: string;
  /** /v1/models root (vLLM: the model path); default '/models/<model>'. */
  root?: string;
  maxModelLen?: number;
  /** Serve /tokenize (default true). */
  tokenize?: boolean;
  /** CORS as vLLM's --allowed-origins (Starlette's CORSMiddleware): default ['*']; [] sends no CORS headers. */
  allowedOrigins?: readonly string[];
  port?: number;
}

export interface ServedModel {
  lm: CausalLM;
  tokenizer: PromptTokenizer;
  eos: number[];
  pad: number;
}

class BadRequest extends Error {
  override name = 'BadRequest';
}

export class OpenAIFixtureServer {
  /** Faults for the next matching requests, consumed in order (path: the request path, e.g. '/v1/completions'). */
  readonly faults: { path: string; fault: Fault }[] = [];
  readonly received: ReceivedRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server;
  private port = 0;

  private constructor(
    private readonly engine: ServedModel,
    private readonly options: OpenAIFixtureServerOptions,
  ) {
    this.server = this.createServer();
  }

  /** The compiled engine on hub-layout files (wasm), as the server and a local target in a test can share it. */
  static async loadModel(files: ReadonlyMap<string, Uint8Array>): Promise<ServedModel> {
    const ort = await loadOrtNode();
    const model = loadModelFiles(files);
    if (!model.tokenizer) throw new Error('the served model needs tokenizer.json');
    const tokenizer = await PromptTokenizer.fromJson(model.tokenizer.json, model.tokenizer.config);
    const lm = await CausalLM.create(ort, model.config, await uploadLlamaWeights(ort, 'wasm', model.config, model.weights));
    const eos = endOfSequenceIds(model, tokenizer.eosTokenIds);
    return { lm, tokenizer, eos, pad: tokenizer.padTokenId ?? eos[0] ?? 0 };
  }

  static async start(options: OpenAIFixtureServerOptions): Promise<OpenAIFixtureServer> {
    const server = new OpenAIFixtureServer(options.engine ?? (await OpenAIFixtureServer.loadModel(options.files)), options);
    await server.listen(options.port ?? 0);
    return server;
  }

  /** http://127.0.0.1:<port>/v1 */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Queues `fault` for the next `times` requests to `path`. */
  inject(fault: Fault, times = 1, path = '/v1/completions'): void {
    for (let i = 0; i < times; i++) this.faults.push({ path, fault });
  }

  /** The server goes away: the port refuses connections and open ones are cut. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  /** Back on the same port. */
  async restart(): Promise<void> {
    this.server = this.createServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.stop();
    if (this.options.engine) return;
    await this.engine.lm.release();
    this.engine.lm.weights.release();
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private createServer(): Server {
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    server.keepAliveTimeout = 1000;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  /** CORS headers for the request's Origin (none when it is not allowed), as vLLM's middleware sends them. */
  private cors(req: IncomingMessage): Record<string, string> | null {
    const origin = req.headers.origin;
    if (origin === undefined) return {};
    const allowed = this.options.allowedOrigins ?? ['*'];
    if (allowed.includes('*')) return { 'Access-Control-Allow-Origin': '*' };
    return allowed.includes(origin) ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const cors = this.cors(req);
    if (req.method === 'OPTIONS') {
      // A browser's preflight: answered before keys and faults, like vLLM's CORS middleware.
      if (cors === null) {
        res.writeHead(400, { 'Content-Type': 'text/plain' });
        return void res.end('Disallowed CORS origin');
      }
      const requested = req.headers['access-control-request-headers'];
      res.writeHead(200, { ...cors, 'Access-Control-Allow-Methods': 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT', ...(requested ? { 'Access-Control-Allow-Headers': requested } : {}), 'Access-Control-Max-Age': '600' });
      return void res.end();
    }
    for (const [k, v] of Object.entries(cors ?? {})) res.setHeader(k, v);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    let body: unknown = undefined;
    const raw = Buffer.concat(chunks).toString('utf8');
    const record: ReceivedRequest = { method: req.method ?? '', path, authorization: req.headers.authorization, body: undefined, outcome: 'answered' };
    this.received.push(record);
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(json));
    };
    const error = (status: number, message: string, type: string) => send(status, { error: { message, type, param: null, code: status } });
    try {
      body = raw ? JSON.parse(raw) : undefined;
      record.body = body;
    } catch {
      record.outcome = 'refused';
      return error(400, 'the body is not JSON', 'BadRequestError');
    }
    if (this.options.apiKey !== undefined && path.startsWith('/v1/') && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      record.outcome = 'unauthorized';
      return send(401, { error: 'Unauthorized' });
    }
    const at = this.faults.findIndex((f) => f.path === path);
    const fault = at >= 0 ? this.faults.splice(at, 1)[0]!.fault : undefined;
    if (fault) record.outcome = fault.kind === 'status' ? `status ${fault.status}` : fault.kind;
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'Content-Type': 'application/json', ...(fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {}) });
      return void res.end(fault.body ?? JSON.stringify({ error: { message: `injected ${fault.status}`, type: 'InjectedError', param: null, code: fault.status } }));
    }
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'drop') return void req.socket.destroy();
    if (fault?.kind === 'malformed') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return void res.end('{"id": "cmpl-1", "choices": [{"index": 0, "text": ');
    }
    let json: unknown;
    try {
      if (req.method === 'GET' && path === '/v1/models') json = this.models();
      else if (req.method === 'POST' && path === '/v1/completions') json = await this.completions(body);
      else if (req.method === 'POST' && path === '/tokenize' && this.options.tokenize !== false) json = this.tokenize(body);
      else {
        record.outcome = 'refused';
        return error(404, `no route ${req.method} ${path}`, 'NotFoundError');
      }
    } catch (e) {
      record.outcome = 'refused';
      if (e instanceof BadRequest) return error(e.message.startsWith('The model') ? 404 : 400, e.message, e.message.startsWith('The model') ? 'NotFoundError' : 'BadRequestError');
      return error(500, (e as Error).message, 'InternalServerError');
    }
    if (fault?.kind === 'alter') json = fault.alter(structuredClone(json) as Record<string, unknown>);
    if (fault?.kind === 'drop-mid-body') {
      const text = JSON.stringify(json);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(text.length) });
      res.write(text.slice(0, text.length >> 1));
      return void setTimeout(() => req.socket.destroy(), 10);
    }
    record.response = json;
    send(200, json);
  }

  private models(): unknown {
    const o = this.options;
    return {
      object: 'list',
      data: [{ id: o.model, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'vllm', root: o.root ?? `/models/${o.model}`, parent: null, max_model_len: o.maxModelLen ?? 128, permission: [{ id: `modelperm-${Math.random().toString(16).slice(2)}`, object: 'model_permission' }] }],
    };
  }

  private tokenize(body: unknown): unknown {
    const b = body as { model?: unknown; prompt?: unknown; add_special_tokens?: unknown };
    if (b.model !== undefined && b.model !== this.options.model) throw new BadRequest(`The model \`${String(b.model)}\` does not exist.`);
    if (typeof b.prompt !== 'string') throw new BadRequest('prompt must be a string');
    const tokens = this.engine.tokenizer.encode(b.prompt, { addSpecialTokens: b.add_special_tokens !== false });
    return { count: tokens.length, max_model_len: this.options.maxModelLen ?? 128, tokens };
  }

  /** One id row per prompt, as vLLM reads `prompt` (a string, strings, ids, or lists of ids). */
  private promptIds(prompt: unknown, addSpecial: boolean): { ids: number[]; text: string | null }[] {
    const isIds = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((t) => Number.isInteger(t) && t >= 0 && t < this.engine.lm.config.vocabSize);
    const encode = (s: string) => ({ ids: this.engine.tokenizer.encode(s, { addSpecialTokens: addSpecial }), text: s });
    if (typeof prompt === 'string') return [encode(prompt)];
    if (isIds(prompt)) return [{ ids: prompt, text: null }];
    if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((p) => typeof p === 'string')) return prompt.map(encode);
    if (Array.isArray(prompt) && prompt.length > 0 && prompt.every(isIds)) return prompt.map((ids) => ({ ids, text: null }));
    throw new BadRequest('prompt must be a string, a list of strings, a list of token ids or a list of such lists');
  }

  private async completions(body: unknown): Promise<unknown> {
    const b = (body ?? {}) as Record<string, unknown>;
    if (b['model'] !== this.options.model) throw new BadRequest(`The model \`${String(b['model'])}\` does not exist.`);
    if ((b['n'] ?? 1) !== 1 || b['stream'] === true) throw new BadRequest('this test server answers n = 1 without streaming');
    if (b['temperature'] !== 0) throw new BadRequest('this test server decodes greedily only: send temperature 0');
    for (const key of ['logprobs', 'prompt_logprobs']) if (b[key] !== undefined && b[key] !== null && b[key] !== 0) throw new BadRequest(`this test server returns no alternatives: ${key} must be 0 or null`);
    const maxTokens = b['max_tokens'] ?? 16;
    if (!Number.isInteger(maxTokens) || (maxTokens as number) < 0) throw new BadRequest('max_tokens must be a non-negative integer');
    const echo = b['echo'] === true;
    const withLogprobs = b['logprobs'] === 0;
    const promptLogprobs = b['prompt_logprobs'] === 0 || (echo && withLogprobs);
    const asIds = b['return_tokens_as_token_ids'] === true;
    const prompts = this.promptIds(b['prompt'], b['add_special_tokens'] !== false);
    const { lm, tokenizer, eos, pad } = this.engine;
    const generate = !(echo && maxTokens === 0);
    const samples = generate
      ? await lm.sampleSharedPrefix(
          prompts.map((p) => p.ids),
          { temperature: 0, topP: 1, maxNewTokens: maxTokens as number, eosTokenIds: eos, seeds: prompts.map(() => 0), adapter: false, padTokenId: pad },
        )
      : prompts.map(() => ({ tokens: [] as number[], finished: false }));
    // Log-probs of every token after the first, prompt and generated: one scored row per position.
    const prefixes: number[][] = [];
    const continuations: number[][] = [];
    const needed = withLogprobs || promptLogprobs;
    const sequences = prompts.map((p, i) => [...p.ids, ...samples[i]!.tokens]);
    if (needed) sequences.forEach((seq) => seq.forEach((t, j) => j > 0 && (prefixes.push(seq.slice(0, j)), continuations.push([t]))));
    const scored = needed && prefixes.length > 0 ? await lm.score(prefixes, continuations, { adapter: false, padTokenId: pad }) : [];
    let cursor = 0;
    const tokenString = (id: number) => (asIds ? `token_id:${id}` : tokenizer.decode([id]));
    const choices = prompts.map((p, i) => {
      const seq = sequences[i]!;
      const lps: (number | null)[] = seq.map((_, j) => (j === 0 || !needed ? null : scored[cursor++]!));
      const generated = samples[i]!.tokens;
      const text = tokenizer.decode(generated, { skipSpecialTokens: true });
      const promptText = p.text ?? tokenizer.decode(p.ids);
      const shown = echo ? seq : generated;
      const shownLps = echo ? lps : lps.slice(p.ids.length);
      let offset = echo ? 0 : promptText.length;
      const textOffset = shown.map((id) => {
        const at = offset;
        offset += tokenizer.decode([id]).length;
        return at;
      });
      return {
        index: i,
        text: echo ? promptText + text : text,
        logprobs: withLogprobs
          ? { text_offset: textOffset, token_logprobs: shownLps, tokens: shown.map(tokenString), top_logprobs: shown.map((id, j) => (shownLps[j] === null ? null : { [tokenString(id)]: shownLps[j]! })) }
          : null,
        finish_reason: generate ? (samples[i]!.finished ? 'stop' : 'length') : 'length',
        stop_reason: null,
        prompt_logprobs: promptLogprobs ? p.ids.map((id, j) => (j === 0 ? null : { [String(id)]: { logprob: lps[j]!, rank: null, decoded_token: tokenizer.decode([id]) } })) : null,
      };
    });
    const promptTokens = prompts.reduce((s, p) => s + p.ids.length, 0);
    const completionTokens = samples.reduce((s, x) => s + x.tokens.length, 0);
    return {
      id: `cmpl-${Math.random().toString(16).slice(2)}`,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: this.options.model,
      choices,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens, completion_tokens: completionTokens },
    };
  }
}
