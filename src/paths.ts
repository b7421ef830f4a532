import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/**
 * The installed package's root (where package.json, templates/ and values/ live). Found by walking up from this
 * module because the same code runs from src/ (tests) and from the bundle in dist/.
 */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && readPackageName(candidate) === 'rayctl') return (cachedRoot = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('rayctl: cannot find the package root (package.json named "rayctl")');
    dir = parent;
  }
}

function readPackageName(file: string): unknown {
  return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name;
}
