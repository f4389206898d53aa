/**
 * Parsing of the scalar values contracts use for SLOs and retention: ISO-8601 durations (`P1D`,
 * `PT24H`), short durations (`25h`), percentages (`99.95%`, `> 99.99%`) and amounts with units.
 */
import type { Slo } from './model.js';

const ISO = /^P(?!$)(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?=\d)(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/i;
const SHORT = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?|mo|months?|y|yr|yrs|years?)$/i;
const PERCENT = /^(>=|<=|>|<|=)?\s*(-?\d+(?:\.\d+)?)\s*(?:%|percent)$/i;
const WORDS: Record<string, number> = { hourly: 3600, daily: 86_400, weekly: 7 * 86_400, monthly: 30 * 86_400, yearly: 365 * 86_400, annually: 365 * 86_400 };

const DAY = 86_400;
const UNIT_SECONDS: Record<string, number> = {
  ms: 0.001, s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  d: DAY, day: DAY, days: DAY, w: 7 * DAY, week: 7 * DAY, weeks: 7 * DAY,
  mo: 30 * DAY, month: 30 * DAY, months: 30 * DAY,
  y: 365 * DAY, yr: 365 * DAY, yrs: 365 * DAY, year: 365 * DAY, years: 365 * DAY,
};

const num = (s: string | undefined): number => (s === undefined ? 0 : Number(s.replace(',', '.')));

/** Seconds of an ISO-8601 duration (`P1D` → 86400; a year is 365 days, a month 30), or undefined. */
export function parseIsoDuration(text: string): number | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  return num(m[1]) * 365 * DAY + num(m[2]) * 30 * DAY + num(m[3]) * 7 * DAY + num(m[4]) * DAY + num(m[5]) * 3600 + num(m[6]) * 60 + num(m[7]);
}

/** Seconds of an ISO-8601, short (`25h`, `7 years`) or word (`daily`) duration, or undefined. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  const iso = parseIsoDuration(t);
  if (iso !== undefined) return iso;
  const word = WORDS[t.toLowerCase()];
  if (word !== undefined) return word;
  const m = SHORT.exec(t);
  if (!m || m[1] === undefined || m[2] === undefined) return undefined;
  const unit = UNIT_SECONDS[m[2].toLowerCase()];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}

/** Seconds of an amount with a unit word (`{value: 3, unit: 'y'}`), or undefined. */
export function durationFromUnit(value: number, unit: string): number | undefined {
  const u = UNIT_SECONDS[unit.trim().toLowerCase()];
  return u === undefined ? undefined : value * u;
}

/** A percentage (`99.95%`, `> 99.99%`) as operator and number, or undefined. */
export function parsePercent(text: string): { percent: number; operator?: string } | undefined {
  const m = PERCENT.exec(text.trim());
  if (!m || m[2] === undefined) return undefined;
  const out: { percent: number; operator?: string } = { percent: Number(m[2]) };
  if (m[1] !== undefined) out.operator = m[1];
  return out;
}

/** Objectives whose threshold must be a duration (by name prefix). */
const DURATION_NAMES = /^(fresh|latenc|timel|retention|recovery|rto|rpo)/i;
/** Objectives whose threshold must be a percentage (by name prefix; `generalAvailability` is a date, not one). */
const PERCENT_NAMES = /^(availab|uptime|complete|accura|valid|consisten|uniqueness)/i;

/**
 * Builds an SLO from a name and a threshold as written. A threshold that should be a duration or a
 * percentage (by the objective's name) but does not parse, or a percentage outside 0–100, is `valid: false`.
 */
export function makeSlo(name: string, raw: unknown, description?: string, unitHint?: 'seconds' | 'percent'): Slo {
  const slo: Slo = { name, raw: typeof raw === 'string' || typeof raw === 'number' ? raw : null, unit: 'text', valid: true };
  if (description !== undefined) slo.description = description;
  if (typeof raw === 'number') {
    if (unitHint === 'seconds' || (unitHint === undefined && /seconds/i.test(name))) {
      slo.unit = 'seconds';
      slo.seconds = raw;
      slo.valid = raw >= 0;
    } else if (unitHint === 'percent' || PERCENT_NAMES.test(name)) {
      slo.unit = 'percent';
      slo.percent = raw;
      slo.valid = raw >= 0 && raw <= 100;
    } else {
      slo.unit = 'number';
      slo.value = raw;
    }
    return slo;
  }
  if (typeof raw !== 'string') {
    slo.valid = raw === null || raw === undefined ? false : true;
    return slo;
  }
  const pct = parsePercent(raw);
  if (pct) {
    slo.unit = 'percent';
    slo.percent = pct.percent;
    if (pct.operator !== undefined) slo.operator = pct.operator;
    slo.valid = pct.percent >= 0 && pct.percent <= 100;
    return slo;
  }
  const stripped = raw.replace(/^(>=|<=|>|<)\s*/, '');
  const op = raw.length !== stripped.length ? raw.slice(0, raw.length - stripped.length).trim() : undefined;
  const secs = parseDuration(stripped);
  if (secs !== undefined) {
    slo.unit = 'seconds';
    slo.seconds = secs;
    if (op !== undefined) slo.operator = op;
    return slo;
  }
  if (/^-?\d+(\.\d+)?$/.test(stripped.trim())) {
    slo.unit = 'number';
    slo.value = Number(stripped);
    if (op !== undefined) slo.operator = op;
    return slo;
  }
  if (unitHint !== undefined || DURATION_NAMES.test(name) || PERCENT_NAMES.test(name)) slo.valid = false;
  return slo;
}

/** Days of a retention value: a number (days), an ISO duration, or a short duration; undefined when it is none of those, negative or not finite. */
export function retentionDays(raw: unknown, unit?: string): number | undefined {
  const days = daysOf(raw, unit);
  // a negative or non-finite period is no retention at all (a policy that needs one sees it missing)
  return days !== undefined && Number.isFinite(days) && days >= 0 ? days : undefined;
}

/** {@link retentionDays} before its range check. */
function daysOf(raw: unknown, unit?: string): number | undefined {
  if (typeof raw === 'number') {
    if (unit === undefined) return raw;
    const s = durationFromUnit(raw, unit);
    return s === undefined ? undefined : s / DAY;
  }
  if (typeof raw !== 'string') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return daysOf(Number(raw), unit);
  const s = parseDuration(raw);
  return s === undefined ? undefined : s / DAY;
}
