/**
 * Loads the opa-wasm SDK without paying for its `yaml` dependency at start-up. The SDK's YAML built-ins
 * (`yaml.marshal`, `yaml.unmarshal`, `yaml.is_valid`) require the yaml package when the SDK loads — about
 * a tenth of a CLI run's fixed cost, for built-ins few policies call. A stand-in is put in Node's module
 * cache under the SDK's own resolution of `yaml`; the real package loads on the first YAML built-in call.
 */
import { Module, createRequire } from 'node:module';
import { dirname, join } from 'node:path';

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

/** The opa-wasm SDK module (its YAML dependency loaded on first use). */
export function loadOpaSdk(): unknown {
  deferSdkYaml(require.resolve('@open-policy-agent/opa-wasm'));
  return require('@open-policy-agent/opa-wasm') as unknown;
}
