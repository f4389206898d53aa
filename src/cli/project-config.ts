/**
 * What `meshgate build` and `meshgate test` take from the project's meshgate.yaml when the command line
 * does not say: the global bundle a domain-only policies folder `extends`. The config is `--config`, or
 * `meshgate.yaml` next to the policies folder (the repository root in `meshgate init`'s layout).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MeshgateError } from '../errors.js';
import { discoverLayers } from '../policy/build.js';

/** The `extends` to use: `--extends` when given, else the config's (see the module doc), else undefined. */
export async function extendsFor(policiesDir: string, flag: string | undefined, configFlag: string | undefined, cwd: string): Promise<string | undefined> {
  if (flag !== undefined) return flag;
  const file = configFlag !== undefined ? resolve(cwd, configFlag) : join(dirname(policiesDir), 'meshgate.yaml');
  if (configFlag === undefined && !existsSync(file)) return undefined;
  const { readConfigExtends } = await import('../config.js'); // only when there is a config: keeps start-up small
  const ext = readConfigExtends(file);
  if (ext === undefined) return undefined;
  if (discoverLayers(policiesDir).some((l) => l.name === 'global')) {
    throw new MeshgateError('MG_CONFIG_INVALID', `${file} says extends ${JSON.stringify(ext.value)}, but ${policiesDir} has its own global layer: remove one of the two`, { location: ext.location });
  }
  return ext.value;
}
