/**
 * The yaml package, loaded on first use: checking a Terraform plan or an access request never needs it,
 * and loading it costs start-up time in every CLI run. In the bundled CLI the `require` below is resolved
 * by the bundler, so the package is part of the bundle (initialised on first use, without a walk through
 * node_modules); elsewhere it is loaded from node_modules.
 */
import { createRequire } from 'node:module';

/** Defined (true) by the CLI build only (tsup `define`). */
declare const __MESHGATE_CLI_BUNDLE__: boolean | undefined;

let lib: typeof import('yaml') | undefined;

/** The yaml module (loaded on the first call). */
export function yaml(): typeof import('yaml') {
  lib ??= (typeof __MESHGATE_CLI_BUNDLE__ === 'boolean' ? require('yaml') : createRequire(import.meta.url)('yaml')) as typeof import('yaml');
  return lib;
}
