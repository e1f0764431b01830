// Test support: paths into ../shared (read-only task data and model fixtures beside the repo).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function sharedPath(relative: string): string {
  return fileURLToPath(new URL(`../../../shared/${relative}`, import.meta.url));
}

export function readShared(relative: string): Uint8Array {
  const b = readFileSync(sharedPath(relative));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
