/** Paths the specs share: the repository root, fixtures, and ../shared beside the repository. */
import { join, resolve } from 'node:path';

/** Compiled specs live in dist/specs/...; the repository root is two levels above dist/specs. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const FIXTURES = join(REPO_ROOT, 'fixtures');
export const SHARED = resolve(REPO_ROOT, '..', 'shared');
export const DARI_BIN = join(REPO_ROOT, 'bin', 'dari.js');
