/** The governance report: aggregation of check results and audit logs, HTML and markdown (re-exports only). */
export * from './model.js';
export { GovernanceAggregator, type AggregateOptions, type DeclaredWaiver } from './aggregate.js';
export { linkRotatedLogs, readInput, type ReadOptions, type VerifiedLog } from './read.js';
export { renderGovernanceHtml } from './html.js';
export { renderGovernanceMarkdown, mdEscape } from './markdown.js';
export { renderCheckHtml } from './check-html.js';
