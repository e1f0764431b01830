// Test support for tasks: a ReadFile over ../shared/data (the only place these tests touch the file system).
import { readFileSync } from 'node:fs';
import type { ReadFile } from '../../src/tasks/registry';
import { sharedPath } from '../support/shared-data';

export const readSharedData: ReadFile = (relativePath) => readFileSync(sharedPath(`data/${relativePath}`), 'utf8');
