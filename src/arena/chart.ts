/**
 * The leaderboard's chart: each model's equity curve (its marks over time, from its opening cash to now),
 * one line per model in a distinct colour, a dashed line at the starting cash, a legend with each model's
 * equity and rank, on a 960×640 PNG rendered by resvg (market/svg.ts).
 */
import { detectTextMode, niceTicks, SvgBuilder, svgToPng, tickLabel } from '../market/svg.js';

export interface EquityCurve {
  model: string;
  rank: number;
  points: Array<{ t: number; equity: number }>;
}

export const ARENA_CHART = { width: 960, height: 640 } as const;
const PALETTE = ['#2563eb', '#d64545', '#1a9c5b', '#f08c00', '#7b3fb6', '#0f9bb0', '#c2185b', '#5f6b7a'];
const AXIS = '#5f6b7a';
const GRID = '#e6e9ef';

function dateLabel(t: number, span: number): string {
  const iso = new Date(t).toISOString();
  return span > 3 * 86_400_000 ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

function bounds(curves: readonly EquityCurve[], initial: number) {
  const all = curves.flatMap((c) => c.points);
  const ts = all.map((p) => p.t);
  const es = [initial, ...all.map((p) => p.equity)];
  let [t0, t1] = [Math.min(...ts), Math.max(...ts)];
  if (!(t1 > t0)) [t0, t1] = [t0 - 60_000, t0 + 60_000];
  let [lo, hi] = [Math.min(...es), Math.max(...es)];
  const pad = Math.max((hi - lo) * 0.08, initial * 0.002, 1);
  [lo, hi] = [lo - pad, hi + pad];
  return { t0, t1, lo, hi };
}

export function equitySvg(curves: readonly EquityCurve[], initial: number, textMode: 'font' | 'paths'): string {
  const { width, height } = ARENA_CHART;
  const [left, right, top, bottom] = [70, width - 24, 64, height - 76];
  const svg = new SvgBuilder(textMode);
  const { t0, t1, lo, hi } = bounds(curves, initial);
  const x = (t: number) => left + ((t - t0) / (t1 - t0)) * (right - left);
  const y = (v: number) => top + ((hi - v) / (hi - lo)) * (bottom - top);
  svg.add(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  svg.text(left, 26, 'Arena: equity of each model’s shadow account', { size: 16, weight: 'bold' });
  svg.text(left, 46, `starting cash $${initial.toLocaleString('en-US')} (dashed); ranked by P&L net of LLM cost`, { size: 11, color: AXIS });
  const { ticks, step } = niceTicks(lo, hi, 6);
  for (const v of ticks) {
    svg.add(`<line x1="${left}" y1="${y(v).toFixed(1)}" x2="${right}" y2="${y(v).toFixed(1)}" stroke="${GRID}"/>`);
    svg.text(left - 6, y(v) + 4, `$${tickLabel(v, step)}`, { size: 11, color: AXIS, anchor: 'end' });
  }
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    svg.text(x(t), bottom + 18, dateLabel(t, t1 - t0), { size: 11, color: AXIS, anchor: i === 0 ? 'start' : i === 4 ? 'end' : 'middle' });
  }
  svg.add(`<line x1="${left}" y1="${y(initial).toFixed(1)}" x2="${right}" y2="${y(initial).toFixed(1)}" stroke="${AXIS}" stroke-dasharray="5 4"/>`);
  svg.add(`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="${AXIS}"/>`);
  curves.forEach((c, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const d = c.points.map((p, k) => `${k ? 'L' : 'M'}${x(p.t).toFixed(1)} ${y(p.equity).toFixed(1)}`).join('');
    svg.add(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2.5" stroke-linejoin="round"/>`);
    const last = c.points.at(-1);
    if (last) svg.add(`<circle cx="${x(last.t).toFixed(1)}" cy="${y(last.equity).toFixed(1)}" r="3.5" fill="${color}"/>`);
  });
  legend(svg, curves, left, right, bottom + 40);
  return svg.toString(width, height);
}

/** One entry per model, wrapping to a second row when the first is full. */
function legend(svg: SvgBuilder, curves: readonly EquityCurve[], left: number, right: number, top: number): void {
  let [lx, yy] = [left, top];
  curves.forEach((c, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const label = `#${c.rank} ${c.model} $${(c.points.at(-1)?.equity ?? 0).toFixed(2)}`;
    if (lx > left && lx + svg.measure(label, 11.5) + 22 > right) [lx, yy] = [left, yy + 18];
    svg.add(`<line x1="${lx}" y1="${yy - 4}" x2="${lx + 18}" y2="${yy - 4}" stroke="${color}" stroke-width="3"/>`);
    svg.text(lx + 22, yy, label, { size: 11.5 });
    lx += svg.measure(label, 11.5) + 40;
  });
}

export async function equityPng(curves: readonly EquityCurve[], initial: number): Promise<{ png: Buffer; width: number; height: number }> {
  const textMode = await detectTextMode();
  return svgToPng(equitySvg(curves, initial, textMode), textMode, '#ffffff');
}
