// A local HTTP server in the Hugging Face hub's layout for the hub tests: `${root}/${modelId}/${revision}/${file}`
// served as `/${modelId}/resolve/${revision}/${file}` (with the hub's x-error-code on 401/404), and the API's file
// list `/api/models/${modelId}/revision/${revision}` ({ siblings: [{ rfilename }] }, every file under the revision's
// folder). Records every request path; per path faults (truncated body, 500, no Content-Length, slow chunks); a model
// id in `noFileList` answers the API with 404, as a plain mirror without the hub API does (a 'status500' fault on
// the API's path answers 500). Test support only.
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';

const CHUNK = 4096;
export type Fault = 'truncate' | 'status500' | 'no-length' | 'slow';

export class HubFixtureServer {
  readonly requests: string[] = [];
  /** URL path -> how to misbehave for it. */
  readonly faults = new Map<string, Fault>();
  /** Model ids whose file list the API does not give (404). */
  readonly noFileList = new Set<string>();
  private server!: Server;
  host = '';

  constructor(readonly root: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.serve(req.url ?? '/', res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.host = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Clears the recorded requests, the faults and the models without a file list. */
  reset(): void {
    this.requests.length = 0;
    this.faults.clear();
    this.noFileList.clear();
  }

  private async serve(url: string, res: ServerResponse): Promise<void> {
    const path = new URL(url, 'http://x').pathname;
    this.requests.push(path);
    const decode = (p: string) => p.split('/').map(decodeURIComponent).join('/');
    const exists = (p: string) => stat(p).then(() => true, () => false);
    const api = /^\/api\/models\/(.+?)\/revision\/([^/]+)$/.exec(path);
    if (api) {
      const [modelPath, revision] = [decode(api[1]!), decode(api[2]!)];
      if (this.noFileList.has(modelPath)) return void res.writeHead(404).end('Not found');
      if (this.faults.get(path) === 'status500') return void res.writeHead(500).end('Internal error');
      if (!(await exists(join(this.root, modelPath)))) return void res.writeHead(401, { 'x-error-code': 'RepoNotFound' }).end('Repository not found');
      if (!(await exists(join(this.root, modelPath, revision)))) return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end('Invalid rev id');
      const dir = join(this.root, modelPath, revision);
      const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
      const body = JSON.stringify({ id: modelPath, sha: 'f'.repeat(40), siblings: files.sort().map((rfilename) => ({ rfilename })) });
      return void res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }).end(body);
    }
    const match = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (!match) return void res.writeHead(400).end('bad path');
    const [modelPath, revision, filePath] = [match[1]!, match[2]!, match[3]!].map(decode) as [string, string, string];
    if (!(await exists(join(this.root, modelPath)))) return void res.writeHead(401, { 'x-error-code': 'RepoNotFound' }).end('Repository not found');
    if (!(await exists(join(this.root, modelPath, revision)))) return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end('Invalid rev id');
    const file = join(this.root, modelPath, revision, filePath);
    if (!(await exists(file))) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
    const body = await readFile(file);
    const fault = this.faults.get(path);
    if (fault === 'status500') return void res.writeHead(500).end('Internal error');
    const declared = fault === 'truncate' ? body.byteLength + 1000 : body.byteLength;
    res.writeHead(200, fault === 'no-length' ? { 'content-type': 'application/octet-stream' } : { 'content-length': String(declared) });
    for (let at = 0; at < body.byteLength; at += CHUNK) {
      res.write(body.subarray(at, at + CHUNK));
      await new Promise((resolve) => setTimeout(resolve, fault === 'slow' ? 20 : 1)); // separate chunks reach the client
    }
    if (fault === 'truncate') res.destroy();
    else res.end();
  }
}
