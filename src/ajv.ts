/**
 * The one ajv instance, loaded on first use. Validators are compiled lazily and the fast paths check
 * shapes by hand, so most runs (a CLI check of one plan, an authorize call) never need ajv at all:
 * loading it only when a schema is first compiled keeps start-up fast.
 */
import { createRequire } from 'node:module';
import type { Ajv, Options } from 'ajv';

const require = createRequire(import.meta.url);

/**
 * The options of the one instance: every error, strict schemas, union types allowed (the contract model
 * uses them), and `required` may name properties defined in another branch (the access request's
 * `dataProduct` / `data_product` alternatives).
 */
const OPTIONS: Options = { allErrors: true, strict: true, allowUnionTypes: true, strictRequired: false };

let instance: Ajv | undefined;

/**
 * The process's ajv instance (the package is loaded and the instance created on the first call). Every
 * caller asks for `allErrors` and `strict`; the argument is kept so that a caller states what it relies
 * on, and a request for other options is refused rather than silently ignored.
 */
export function newAjv(options: Options = OPTIONS): Ajv {
  for (const [k, v] of Object.entries(options)) {
    const have = (OPTIONS as Record<string, unknown>)[k];
    if (have !== v) throw new Error(`ajv: the shared instance has ${k}=${String(have)}, not ${String(v)}`);
  }
  if (!instance) {
    const AjvClass = (require('ajv') as { Ajv: typeof Ajv }).Ajv;
    instance = new AjvClass(OPTIONS);
  }
  return instance;
}

/** The compiler interface the published-schema instances expose. */
export interface SchemaCompiler {
  /** Compiles a JSON Schema into a validator. */
  compile(schema: object): import('ajv').ValidateFunction;
}

/**
 * Options for published third-party JSON Schemas (ODCS, DCS): they are not written for ajv's strict mode
 * and use formats loosely, so they get their own lenient instances (one per draft), never the strict one.
 */
export const PUBLISHED_OPTIONS: Options = { allErrors: true, strict: false, validateFormats: false, allowUnionTypes: true, code: { optimize: false } };

const published = new Map<string, SchemaCompiler>();

/** The lenient instance for published schemas of a JSON Schema draft (`07` or `2019-09`), created on first use. */
export function publishedSchemaAjv(draft: '07' | '2019-09'): SchemaCompiler {
  let inst = published.get(draft);
  if (!inst) {
    if (draft === '2019-09') {
      const Ajv2019 = (require('ajv/dist/2019') as { Ajv2019: new (o: Options) => SchemaCompiler }).Ajv2019;
      inst = new Ajv2019(PUBLISHED_OPTIONS);
    } else {
      const AjvClass = (require('ajv') as { Ajv: new (o: Options) => SchemaCompiler }).Ajv;
      inst = new AjvClass(PUBLISHED_OPTIONS);
    }
    published.set(draft, inst);
  }
  return inst;
}
