/**
 * The yaml package, loaded on first use: checking a Terraform plan or an access request never needs it,
 * and loading it costs start-up time in every CLI run.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let lib: typeof import('yaml') | undefined;

/** The yaml module (loaded on the first call). */
export function yaml(): typeof import('yaml') {
  lib ??= require('yaml') as typeof import('yaml');
  return lib;
}
