// PLACEHOLDER written by the lead so the engine loads; the access engineer overwrites this file entirely.
import { MeshgateError } from '../../errors.js';
import type { EngineCore } from '../../core.js';
import type { Decision } from '../../types.js';
/** Placeholder request type. */
export interface AccessRequestInput { user: { id: string }; action: string; dataProduct: { id: string } }
/** Placeholder. */
export class AccessService {
  constructor(_core: EngineCore, _options: { cacheSize: number }) {}
  authorize(_r: AccessRequestInput): Decision { throw new MeshgateError('MG_NOT_IMPLEMENTED', 'authorize is not implemented yet'); }
  authorizeMany(_r: readonly AccessRequestInput[]): Decision[] { throw new MeshgateError('MG_NOT_IMPLEMENTED', 'authorizeMany is not implemented yet'); }
  registerContract(_s: unknown, _o: object = {}): void { throw new MeshgateError('MG_NOT_IMPLEMENTED', 'registerContract is not implemented yet'); }
}
