/**
 * Hand-written inline SVG charts for the governance report: horizontal stacked bars and stacked columns
 * over time. Every mark has a `<title>` (tooltip and accessible name) and may link to the findings; the
 * chart is `role="img"` with a label, and the same numbers are always in a table beside it.
 */
import { xmlEscape as esc } from '../junit.js';

/** One segment of a stacked bar. */
export interface Segment {
  /** Its value. */
  value: number;
  /** CSS class (colour). */
  cls: string;
  /** Name of the series (for the tooltip). */
  name: string;
}

/** One bar: a label and its segments, optionally a link. */
export interface Bar {
  /** The label (escaped here). */
  label: string;
  /** Stacked segments. */
  segments: Segment[];
  /** Attributes of the link around the bar (already escaped), when it links. */
  link?: string;
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const short = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Horizontal stacked bars, one row per bar. */
export function barChart(bars: readonly Bar[], label: string): string {
  const rowH = 22;
  const labelW = 260;
  const width = 760;
  const plotW = width - labelW - 60;
  const max = Math.max(1, ...bars.map((b) => b.segments.reduce((n, s) => n + s.value, 0)));
  const h = Math.max(1, bars.length) * rowH + 8;
  const rows = bars.map((b, i) => {
    const y = 4 + i * rowH;
    let x = labelW;
    const total = b.segments.reduce((n, s) => n + s.value, 0);
    const rects = b.segments
      .filter((s) => s.value > 0)
      .map((s) => {
        const w = Math.max(1, (s.value / max) * plotW);
        const r = `<rect class="${s.cls}" x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}"><title>${esc(`${b.label}: ${fmt(s.value)} ${s.name}`)}</title></rect>`;
        x += w;
        return r;
      })
      .join('');
    const text = `<text class="lbl" x="${labelW - 6}" y="${y + rowH / 2 + 4}" text-anchor="end">${esc(short(b.label, 40))}</text><text class="val" x="${(x + 4).toFixed(1)}" y="${y + rowH / 2 + 4}">${fmt(total)}</text>`;
    const g = `${text}${rects}`;
    return b.link ? `<a ${b.link}>${g}</a>` : `<g>${g}</g>`;
  });
  return `<svg class="chart" role="img" aria-label="${esc(label)}" viewBox="0 0 ${width} ${h}" width="100%" preserveAspectRatio="xMinYMin meet">${rows.join('')}</svg>`;
}

/** One column of a time chart. */
export interface Column {
  /** The bucket's label (`YYYY-MM-DD`, week or month). */
  label: string;
  /** Stacked segments, bottom first. */
  segments: Segment[];
  /** Attributes of the link around the column (already escaped), when it links. */
  link?: string;
}

/** Stacked columns over time, with the first, middle and last labels and the maximum on the axis. */
export function columnChart(columns: readonly Column[], label: string): string {
  const width = 680;
  const height = 220;
  const left = 50;
  const bottom = 28;
  const plotW = width - left - 10;
  const plotH = height - bottom - 10;
  const max = Math.max(1, ...columns.map((c) => c.segments.reduce((n, s) => n + s.value, 0)));
  const step = plotW / Math.max(1, columns.length);
  const barW = Math.min(48, Math.max(1, step * 0.8));
  const marks = columns.map((c, i) => {
    let y = 10 + plotH;
    const x = left + i * step + (step - barW) / 2;
    const total = c.segments.reduce((n, s) => n + s.value, 0);
    const rects = c.segments
      .filter((s) => s.value > 0)
      .map((s) => {
        const h = (s.value / max) * plotH;
        y -= h;
        return `<rect class="${s.cls}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.max(0.5, h).toFixed(1)}"><title>${esc(`${c.label}: ${fmt(s.value)} ${s.name} of ${fmt(total)}`)}</title></rect>`;
      })
      .join('');
    return c.link ? `<a ${c.link}>${rects}</a>` : `<g>${rects}</g>`;
  });
  const ticks = columns.length === 0 ? [] : [...new Set([0, Math.floor((columns.length - 1) / 2), columns.length - 1])];
  const xLabels = ticks
    .map((i) => {
      const anchor = columns.length > 1 && i === 0 ? 'start' : columns.length > 1 && i === columns.length - 1 ? 'end' : 'middle';
      const x = anchor === 'start' ? left + i * step : anchor === 'end' ? left + (i + 1) * step : left + i * step + step / 2;
      return `<text class="lbl" x="${x.toFixed(1)}" y="${height - 8}" text-anchor="${anchor}">${esc(columns[i]!.label)}</text>`;
    })
    .join('');
  const axis = `<line class="axis" x1="${left}" y1="${10 + plotH}" x2="${width - 10}" y2="${10 + plotH}"/><text class="lbl" x="${left - 6}" y="16" text-anchor="end">${fmt(max)}</text><text class="lbl" x="${left - 6}" y="${10 + plotH}" text-anchor="end">0</text>`;
  return `<svg class="chart" role="img" aria-label="${esc(label)}" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">${axis}${marks.join('')}${xLabels}</svg>`;
}
