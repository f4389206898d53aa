// PLACEHOLDER written by the lead so the engine loads; the contracts engineer overwrites this file entirely.
import { MeshgateError } from '../../errors.js';
import type { EngineCore } from '../../core.js';
import type { Decision } from '../../types.js';
/** Options of checkContract. */
export interface ContractCheckOptions { file?: string; domain?: string }
/** Placeholder. */
export function checkContract(_core: EngineCore, _source: unknown, _options: ContractCheckOptions = {}): Decision {
  throw new MeshgateError('MG_NOT_IMPLEMENTED', 'checkContract is not implemented yet');
}
