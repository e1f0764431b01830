// A local target-LM's identity: `<name>@<implementation>/<backend>#sha256:<16 hex>`, where the hash covers every byte
// of the files that decide its outputs (config.json, generation_config.json, tokenizer files, every weight file).
// The reward cache and resume checks compare these ids, so two folders with other weights never share a score.
// Hashing uses WebCrypto (crypto.subtle, in browsers and Node 20), which has no incremental API: each file is
// digested in 8 MiB chunks (no copy of a whole 500 MB file, one chunk at a time) and the chunk digests are hashed
// again. Measured on this machine (Node 20, 2 cores): about 2-3 s for 500 MB. It does not read remote targets
// (see remote-target.ts for theirs).

/** Chunk size of the file digests (part of the hash's definition: changing it changes every id). */
export const IDENTITY_CHUNK_BYTES = 8 << 20;

/** What the identity hash is over; versioned so a change of definition cannot collide with old ids. */
const IDENTITY_HEADER = 'gflowpo target identity v1\n';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b]!;
  return out;
}

export class TargetIdentityError extends Error {
  override name = 'TargetIdentityError';
}

export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new TargetIdentityError('naming the target-LM by its content needs WebCrypto (crypto.subtle), which browsers offer only to https:// and localhost pages; open the lab over https or on localhost');
  return new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/**
 * SHA-256 over the SHA-256 digests of the file's consecutive IDENTITY_CHUNK_BYTES chunks (one chunk for small
 * files; an empty file has one empty chunk). Every byte is read.
 */
export async function fileDigest(bytes: Uint8Array): Promise<string> {
  const chunks = Math.max(1, Math.ceil(bytes.byteLength / IDENTITY_CHUNK_BYTES));
  const digests = new Uint8Array(32 * chunks);
  for (let c = 0; c < chunks; c++) {
    const start = c * IDENTITY_CHUNK_BYTES;
    digests.set(await sha256(bytes.subarray(start, Math.min(bytes.byteLength, start + IDENTITY_CHUNK_BYTES))), 32 * c);
  }
  return toHex(await sha256(digests));
}

/**
 * The content hash (64 hex) of the named files: SHA-256 of the header and one line per file, sorted by name,
 * `name \t byte length \t fileDigest`. A file listed but absent is an error (the caller names what it needs).
 */
export async function contentHash(files: ReadonlyMap<string, Uint8Array>, names: readonly string[]): Promise<string> {
  const sorted = [...new Set(names)].sort();
  let text = IDENTITY_HEADER;
  for (const name of sorted) {
    const bytes = files.get(name);
    if (!bytes) throw new TargetIdentityError(`cannot hash ${name}: the file is not among the model's files`);
    text += `${name}\t${bytes.byteLength}\t${await fileDigest(bytes)}\n`;
  }
  return toHex(await sha256(new TextEncoder().encode(text)));
}

/** `<name>@<implementation>/<backend>#sha256:<first 16 hex of the content hash>`. */
export function localTargetId(name: string, implementation: string, backend: string, hash: string): string {
  return `${name}@${implementation}/${backend}#sha256:${hash.slice(0, 16)}`;
}
