/**
 * Tiny SVG chart writers for the benchmark summary (no dependencies): a horizontal bar chart and a
 * log-log line chart. Output is plain SVG text with embedded styles.
 */

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v) => (v >= 1000 ? `${Number((v / 1000).toPrecision(3))}k` : `${Number(v.toPrecision(3))}`);

function logTicks(lo, hi) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) ticks.push(10 ** e);
  return ticks;
}

/**
 * Horizontal bars on a log scale. bars: [{label, value, note?}]; unit: axis unit text.
 */
/** The opening elements every chart shares: the svg element, a white background, the title and subtitle. */
function svgOpen(width, height, title, subtitle) {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="16" y="26" font-size="16" font-weight="600">${esc(title)}</text>`,
  ];
  if (subtitle) parts.push(`<text x="16" y="46" fill="#555">${esc(subtitle)}</text>`);
  return parts;
}

export function barChart({ title, unit, bars, subtitle = '' }) {
  const rowH = 30;
  const left = 330;
  const width = 900;
  const plotW = width - left - 90;
  const top = subtitle ? 62 : 48;
  const height = top + bars.length * rowH + 40;
  const vals = bars.map((b) => b.value).filter((v) => v > 0);
  const ticks = logTicks(Math.min(...vals), Math.max(...vals));
  const lo = ticks[0];
  const hi = ticks.at(-1) === lo ? lo * 10 : ticks.at(-1);
  const x = (v) => left + (plotW * (Math.log10(v) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const parts = svgOpen(width, height, title, subtitle);
  for (const t of ticks) {
    if (t > hi) continue;
    parts.push(`<line x1="${x(t)}" y1="${top - 6}" x2="${x(t)}" y2="${top + bars.length * rowH}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${x(t)}" y="${top + bars.length * rowH + 18}" text-anchor="middle" fill="#555">${fmt(t)}</text>`);
  }
  parts.push(`<text x="${left + plotW / 2}" y="${height - 6}" text-anchor="middle" fill="#555">${esc(unit)} (log scale)</text>`);
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    parts.push(`<text x="${left - 8}" y="${y + 19}" text-anchor="end">${esc(b.label)}</text>`);
    if (b.value > 0) {
      parts.push(`<rect x="${left}" y="${y + 5}" width="${Math.max(1, x(b.value) - left)}" height="${rowH - 10}" fill="${COLORS[i % COLORS.length]}" rx="2"/>`);
      parts.push(`<text x="${x(b.value) + 6}" y="${y + 19}" fill="#111">${esc(fmt(b.value))}${b.note ? ` ${esc(b.note)}` : ''}</text>`);
    } else {
      parts.push(`<text x="${left + 6}" y="${y + 19}" fill="#999">n/a</text>`);
    }
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * Log-log line chart. series: [{name, points: [[x, y], ...]}].
 */
export function lineChart({ title, xLabel, yLabel, series, subtitle = '' }) {
  const width = 900;
  const height = 520;
  const m = { l: 80, r: 200, t: subtitle ? 66 : 50, b: 56 };
  const pw = width - m.l - m.r;
  const ph = height - m.t - m.b;
  const xs = series.flatMap((s) => s.points.map((p) => p[0])).filter((v) => v > 0);
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => v > 0);
  const xt = logTicks(Math.min(...xs), Math.max(...xs));
  const yt = logTicks(Math.min(...ys), Math.max(...ys));
  const [x0, x1] = [xt[0], xt.at(-1) === xt[0] ? xt[0] * 10 : xt.at(-1)];
  const [y0, y1] = [yt[0], yt.at(-1) === yt[0] ? yt[0] * 10 : yt.at(-1)];
  const X = (v) => m.l + (pw * (Math.log10(v) - Math.log10(x0))) / (Math.log10(x1) - Math.log10(x0));
  const Y = (v) => m.t + ph - (ph * (Math.log10(v) - Math.log10(y0))) / (Math.log10(y1) - Math.log10(y0));
  const parts = svgOpen(width, height, title, subtitle);
  for (const t of xt) {
    parts.push(`<line x1="${X(t)}" y1="${m.t}" x2="${X(t)}" y2="${m.t + ph}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${X(t)}" y="${m.t + ph + 18}" text-anchor="middle" fill="#555">${fmt(t)}</text>`);
  }
  for (const t of yt) {
    parts.push(`<line x1="${m.l}" y1="${Y(t)}" x2="${m.l + pw}" y2="${Y(t)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${m.l - 8}" y="${Y(t) + 4}" text-anchor="end" fill="#555">${fmt(t)}</text>`);
  }
  parts.push(`<text x="${m.l + pw / 2}" y="${height - 14}" text-anchor="middle" fill="#555">${esc(xLabel)} (log scale)</text>`);
  parts.push(`<text transform="translate(18 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" fill="#555">${esc(yLabel)} (log scale)</text>`);
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const pts = s.points.filter((p) => p[0] > 0 && p[1] > 0);
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2.5" points="${pts.map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) parts.push(`<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="4" fill="${c}"><title>${esc(`${s.name}: ${fmt(p[0])} → ${fmt(p[1])}`)}</title></circle>`);
    const ly = m.t + 10 + i * 22;
    parts.push(`<rect x="${m.l + pw + 20}" y="${ly - 9}" width="14" height="4" fill="${c}"/>`);
    parts.push(`<text x="${m.l + pw + 40}" y="${ly - 3}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
