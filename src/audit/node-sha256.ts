/** The audit edges' name for {@link sha256Hex} (node:crypto on Node); kept so existing imports resolve. Prefer `../sha256.js`. */
import { sha256Hex } from '../sha256.js';
import type { HashFn } from './chain.js';

/** SHA-256 of a UTF-8 string as 64 lower-case hex digits (the one implementation in src/sha256.ts). */
export const nodeSha256: HashFn = sha256Hex;
