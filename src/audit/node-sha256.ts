/** SHA-256 through node:crypto, for the edges that run on Node (sinks, verify, checkpoints); the same digests as sha256.ts. */
import { createHash } from 'node:crypto';
import type { HashFn } from './chain.js';

/** SHA-256 of a UTF-8 string as 64 lower-case hex digits, via node:crypto. */
export const nodeSha256: HashFn = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
