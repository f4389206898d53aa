/** Reporters of the CLI: text, json, sarif, junit, github (re-exports only). */
export { type FileKind, type FileResult, type Report, type ResultError, type SkippedFile, type Summary, summarise, severityOf, ruleId, fails, plural } from './model.js';
export { renderJson, toJsonReport, type JsonReport, type JsonResult, type JsonFinding } from './json.js';
export { renderSarif, toSarif, toUri } from './sarif.js';
export { renderJunit, xmlEscape } from './junit.js';
export { renderGithub, escapeData, escapeProperty } from './github.js';
export { escapeControls, logSafe, logSafeLines } from './escape.js';
export { renderFileText, renderSkippedText, renderSummaryText, type TextOptions } from './text.js';
