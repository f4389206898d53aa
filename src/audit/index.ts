/** The audit trail: events, masking, hash chain, verification and sinks (re-exports only). */
export { canonicalJson } from './canonical.js';
export { sha256Hex } from '../sha256.js';
export { MASKED, maskInput, maskWithReport, type MaskResult } from './mask.js';
export {
  buildAuditEvent,
  buildBundleEvent,
  pathForKind,
  type AuditEvent,
  type AuditEventKind,
  type AuditFinding,
  type AuditResult,
  type AuditWaiver,
  type BuildEventOptions,
  type BundleRefusal,
  type FindingCounts,
} from './event.js';
export {
  GENESIS_HASH,
  ChainLineSplitter,
  ChainVerifier,
  MAX_LINE_BYTES,
  type LineSplitterOptions,
  chainEvent,
  chainLine,
  isCheckpointLine,
  verifyChainText,
  type ChainVerifierOptions,
  type ChainHead, type ChainedEvent, type CheckpointSighting, type TamperKind, type VerifyReport } from './chain.js';
export type { AuditSink } from './sink.js';
export { AuditTrail, type AuditTrailOptions } from './trail.js';
export { verifyAuditLog, verifyAuditStream } from './verify.js';
export { memorySink } from './sinks/memory.js';
export { callbackSink } from './sinks/callback.js';
export { jsonlSink, type JsonlSink, type JsonlSinkOptions, type JsonlRecovery } from './sinks/jsonl.js';
export { httpSink, type HttpSinkOptions } from './sinks/http.js';
export { verifyAuditLogs, type LogFileReport, type LogProblem, type LogProblemKind, type LogSetReport, type VerifyLogsOptions } from './verify.js';
export {
  CHECKPOINT_ALGORITHMS,
  checkpointPublicKey,
  checkpointSigner,
  verifyCheckpointLine,
  type Checkpoint,
  type CheckpointAlgorithm,
  type CheckpointKey,
  type CheckpointReason,
  type CheckpointSigner,
  type CheckpointSigning,
  type VerifiedCheckpoint,
} from './checkpoint.js';
export { acquireLogLock, lockPathFor, type LogLock } from './sinks/lock.js';
export { strictSinks } from './strict.js';
