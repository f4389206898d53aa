/**
 * The yaml package, loaded on first use: checking a Terraform plan or an access request never needs it,
 * and loading it costs start-up time in every CLI run. The bundled CLI ships it as one prebuilt file beside
 * its own (`dist/cli/yaml.cjs`: no walk through node_modules, and nothing to parse for a plan check),
 * compiled with its V8 code cache (src/code-cache.ts); elsewhere it is loaded from node_modules.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from './code-cache.js';

/** Defined (true) by the CLI build only (tsup `define`). */
declare const __MESHGATE_CLI_BUNDLE__: boolean | undefined;

let lib: typeof import('yaml') | undefined;

/** The yaml module (loaded on the first call). */
export function yaml(): typeof import('yaml') {
  lib ??= (typeof __MESHGATE_CLI_BUNDLE__ === 'boolean' ? requireWithCodeCache(fileURLToPath(new URL('./yaml.cjs', import.meta.url))) : createRequire(import.meta.url)('yaml')) as typeof import('yaml');
  return lib;
}
