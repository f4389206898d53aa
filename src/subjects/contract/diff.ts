// PLACEHOLDER written by the lead so the engine loads; the contracts engineer overwrites this file entirely.
import { MeshgateError } from '../../errors.js';
import type { EngineCore } from '../../core.js';
import type { Decision } from '../../types.js';
/** Placeholder. */
export function checkContractChange(_core: EngineCore, _old: unknown, _new: unknown, _options: object = {}): Decision {
  throw new MeshgateError('MG_NOT_IMPLEMENTED', 'checkContractChange is not implemented yet');
}
