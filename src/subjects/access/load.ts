/**
 * Loading data contracts from a folder for access enrichment (an edge: reads files with node:fs).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MeshgateError, describeThrown } from '../../errors.js';

/** Anything contracts can be registered with (the engine). */
export interface ContractRegistry {
  /** Registers one contract. */
  registerContract(source: string | Uint8Array | Record<string, unknown>, options?: { file?: string }): void;
}

const CONTRACT_FILE = /\.(ya?ml|json)$/i;

/**
 * Registers every `.yaml`, `.yml` and `.json` file under `dir` (recursively, in sorted order) with
 * `registry` and returns the files registered. Throws MeshgateError (with the file) for an unreadable
 * folder or contract; nothing is partially skipped silently.
 */
export function loadContractsFromDir(registry: ContractRegistry, dir: string): string[] {
  let names: string[];
  try {
    names = (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).filter((n) => CONTRACT_FILE.test(n)).sort();
  } catch (e) {
    throw new MeshgateError('MG_ACCESS_CONTRACT_DIR', `cannot read contracts folder ${dir}: ${describeThrown(e)}`, { cause: e, location: { file: dir } });
  }
  const files: string[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new MeshgateError('MG_ACCESS_CONTRACT_DIR', `cannot read contract ${file}: ${describeThrown(e)}`, { cause: e, location: { file } });
    }
    registry.registerContract(text, { file });
    files.push(file);
  }
  return files;
}
