// Load signed bundles: with a verification key, an unsigned, re-signed or tampered bundle is refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, type Engine } from '../../src/index.js'; // in your project: from 'meshgate'

/** Creates an engine that only accepts bundles signed with the key whose public half is `publicKeyFile`. */
export async function loadSigned(dist: string, publicKeyFile: string): Promise<Engine> {
  return createEngine({
    global: join(dist, 'global.tar.gz'),
    domains: { finance: join(dist, 'finance.tar.gz') },
    verification: { key: readFileSync(publicKeyFile, 'utf8'), keyid: 'governance-board' },
  });
}
