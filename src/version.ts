import { createRequire } from 'node:module';

/** Set by the bundler (src/build/bundle.ts) from package.json, so that `rayctl --version` reads no file. */
declare const __RAYCTL_VERSION__: string | undefined;

/** rayctl's version: the bundle's, or package.json's when running from the sources (tests). */
export const RAYCTL_VERSION: string =
  typeof __RAYCTL_VERSION__ === 'string'
    ? __RAYCTL_VERSION__
    : (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** What `rayctl --version` prints. */
export const VERSION_LINE = `rayctl ${RAYCTL_VERSION}`;
