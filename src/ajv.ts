/**
 * ajv, loaded on first use. Validators are compiled lazily and the fast paths check shapes by hand, so
 * most runs (a CLI check of one plan, an authorize call) never need ajv at all: loading it only when a
 * schema is first compiled keeps start-up fast.
 */
import { createRequire } from 'node:module';
import type { Ajv, Options } from 'ajv';

const require = createRequire(import.meta.url);
let AjvClass: typeof Ajv | undefined;

/** A new ajv instance (the package is loaded on the first call). */
export function newAjv(options: Options): Ajv {
  AjvClass ??= (require('ajv') as { Ajv: typeof Ajv }).Ajv;
  return new AjvClass(options);
}
