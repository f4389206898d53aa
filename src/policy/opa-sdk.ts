/**
 * Loads the opa-wasm SDK's built-ins table (meshgate instantiates policies itself, see instance.ts, and
 * calls the SDK's built-in implementations for those it has none of its own), without paying for its
 * `yaml` dependency at start-up. The SDK's YAML built-ins (`yaml.marshal`, `yaml.unmarshal`,
 * `yaml.is_valid`) require the yaml package when the SDK loads — about a tenth of a CLI run's fixed cost,
 * for built-ins few policies call; it is loaded on the first call instead. The bundled CLI loads the SDK
 * from one prebuilt file beside it (`dist/cli/opa-wasm.cjs`, see tsup.config.ts); elsewhere it comes from
 * node_modules, with a stand-in for its yaml in Node's module cache.
 */
import { Module, createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Defined (true) by the CLI build only (tsup `define`). */
declare const __MESHGATE_CLI_BUNDLE__: boolean | undefined;

const require = createRequire(import.meta.url);

/** The part of the yaml package the SDK's built-ins call. */
interface YamlLike {
  parse(text: string): unknown;
  stringify(value: unknown): string;
}

/** Puts a stand-in for the SDK's `yaml` in the module cache (unless that package is already loaded). */
function deferSdkYaml(sdkMain: string): void {
  const sdkRequire = createRequire(join(dirname(sdkMain), 'builtins', 'yaml.js'));
  let path: string;
  try {
    path = sdkRequire.resolve('yaml');
  } catch {
    return; // not resolvable: the SDK's own require reports it as it always would
  }
  if (require.cache[path]) return;
  let real: YamlLike | undefined;
  const load = (): YamlLike => {
    if (!real) {
      delete require.cache[path];
      real = sdkRequire('yaml') as YamlLike;
    }
    return real;
  };
  const standIn = new Module(path);
  standIn.filename = path;
  standIn.loaded = true;
  standIn.exports = { parse: (text: string): unknown => load().parse(text), stringify: (value: unknown): string => load().stringify(value) } satisfies YamlLike;
  require.cache[path] = standIn;
}

/** The SDK's built-ins table. */
function builtinsTable(): Record<string, unknown> {
  if (typeof __MESHGATE_CLI_BUNDLE__ === 'boolean') return (require('./opa-wasm.cjs') as { builtins: Record<string, unknown> }).builtins;
  const main = require.resolve('@open-policy-agent/opa-wasm');
  deferSdkYaml(main);
  return require(join(dirname(main), 'builtins', 'index.js')) as Record<string, unknown>;
}

/**
 * The opa-wasm SDK's built-ins table (its YAML dependency loaded on first use). It is the SDK's own object,
 * shared with any other user of the SDK in the process: read it, never write to it.
 */
export function loadSdkBuiltins<T>(): Readonly<Record<string, T | undefined>> {
  return builtinsTable() as Record<string, T | undefined>;
}
