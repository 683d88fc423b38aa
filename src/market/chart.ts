/**
 * The get_technicals chart: price (candles, or a line when bars are too dense) with SMA/EMA and
 * Bollinger overlays, and RSI and MACD panes, built as an SVG string and rendered to PNG in-process
 * by @resvg/resvg-js (no browser). Load lazily: it pulls resvg in on first render.
 *
 * Text: resvg draws <text> only with a font it can find. At the first render we probe whether system
 * fonts load (they do on most desktops and on this project's CI image: DejaVu); when none do, every label
 * is drawn with a small built-in stroke font as SVG paths, so the chart stays readable anywhere.
 *
 * @example const { png, width, height } = await renderChartPng(input); // png: Buffer (image/png)
 */
import type { Timeframe } from '../broker/types.js';
import { detectTextMode, niceTicks, SvgBuilder, svgToPng, type TextMode, tickLabel } from './svg.js';

export { detectTextMode, niceTicks, type TextMode } from './svg.js';

export interface ChartLine {
  label: string;
  color: string;
  values: Float64Array;
  dashed?: boolean;
}

export interface ChartInput {
  title: string;
  timeframe: Timeframe;
  t: string[];
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  overlays: ChartLine[];
  bands?: { upper: Float64Array; middle: Float64Array; lower: Float64Array; label: string };
  rsi?: { values: Float64Array; label: string };
  macd?: { line: Float64Array; signal: Float64Array; hist: Float64Array; label: string };
}

export const CHART_WIDTH = 960;
export const CHART_HEIGHT = 640;

const COLORS = {
  background: '#ffffff',
  grid: '#e6e9ef',
  axis: '#5f6b7a',
  text: '#1f2933',
  up: '#1a9c5b',
  down: '#d64545',
  price: '#1f2933',
  band: '#8fa8c8',
  bandFill: '#dfe8f5',
  rsi: '#7b3fb6',
  macd: '#2563eb',
  signal: '#f08c00',
};

function priceLabel(v: number): string {
  return v.toFixed(v >= 1000 ? 1 : v >= 1 ? 2 : 4);
}

function dateLabel(iso: string, timeframe: Timeframe): string {
  // Exchange time (New York) is what a trader reads; the offset is fixed by the date's DST rule.
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/New_York',
    year: '2-digit',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return timeframe === '1Day' ? `${get('month')} ${get('day')} '${get('year')}` : `${get('month')} ${get('day')} ${get('hour')}:${get('minute')}`;
}

interface Pane {
  top: number;
  height: number;
  lo: number;
  hi: number;
}

function finiteRange(arrays: Float64Array[], lo = Infinity, hi = -Infinity): [number, number] {
  for (const a of arrays)
    for (const v of a)
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
  return [lo, hi];
}

/** The horizontal layout shared by every pane: plot bounds and the x of bar i. */
interface Plot {
  svg: SvgBuilder;
  n: number;
  left: number;
  right: number;
  plotW: number;
  slot: number;
  x: (i: number) => number;
}

const yOf = (p: Pane) => (v: number) => p.top + ((p.hi - v) / (p.hi - p.lo)) * p.height;

function linePath(plot: Plot, values: Float64Array, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < plot.n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${plot.x(i).toFixed(1)} ${y(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

function frame({ svg, left, right, plotW }: Plot, p: Pane, ticks: number[], fmtTick: (v: number) => string): void {
  const y = yOf(p);
  for (const t of ticks) {
    const yy = y(t);
    if (yy < p.top - 0.5 || yy > p.top + p.height + 0.5) continue;
    svg.add(`<line x1="${left}" y1="${yy.toFixed(1)}" x2="${right}" y2="${yy.toFixed(1)}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    svg.text(right + 6, yy + 4, fmtTick(t), { size: 10, color: COLORS.axis });
  }
  svg.add(`<rect x="${left}" y="${p.top}" width="${plotW}" height="${p.height}" fill="none" stroke="${COLORS.axis}" stroke-width="1"/>`);
}

function legend({ svg, left }: Plot, p: Pane, items: Array<{ label: string; color: string; dashed?: boolean }>): void {
  let lx = left + 8;
  for (const item of items) {
    const w = svg.measure(item.label, 10.5);
    svg.add(`<rect x="${lx - 3}" y="${p.top + 5}" width="${(w + 26).toFixed(1)}" height="15" fill="#ffffff" fill-opacity="0.85"/>`);
    svg.add(
      `<line x1="${lx}" y1="${p.top + 13}" x2="${lx + 16}" y2="${p.top + 13}" stroke="${item.color}" stroke-width="2.5"${item.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
    );
    svg.text(lx + 20, p.top + 17, item.label, { size: 10.5, color: COLORS.text });
    lx += w + 34;
  }
}

function drawBands(plot: Plot, bands: NonNullable<ChartInput['bands']>, py: (v: number) => number): void {
  const { svg, n, x } = plot;
  const { upper, lower, middle } = bands;
  let d = '';
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(upper[i]!) && Number.isFinite(lower[i]!)) idx.push(i);
  if (idx.length > 1) {
    d = idx.map((i, k) => `${k ? 'L' : 'M'}${x(i).toFixed(1)} ${py(upper[i]!).toFixed(1)}`).join('');
    d +=
      idx
        .reverse()
        .map((i) => `L${x(i).toFixed(1)} ${py(lower[i]!).toFixed(1)}`)
        .join('') + 'Z';
    svg.add(`<path d="${d}" fill="${COLORS.bandFill}" fill-opacity="0.7" stroke="none"/>`);
    svg.add(`<path d="${linePath(plot, upper, py)}" fill="none" stroke="${COLORS.band}" stroke-width="1"/>`);
    svg.add(`<path d="${linePath(plot, lower, py)}" fill="none" stroke="${COLORS.band}" stroke-width="1"/>`);
    svg.add(`<path d="${linePath(plot, middle, py)}" fill="none" stroke="${COLORS.band}" stroke-width="1" stroke-dasharray="3 3"/>`);
  }
}

/** Candles when a bar gets at least 3.5 px, else a close line; says which. */
function drawPrices(plot: Plot, input: ChartInput, py: (v: number) => number): boolean {
  const { svg, n, slot, x } = plot;
  const candles = slot >= 3.5;
  if (candles) {
    const body = Math.max(1.5, Math.min(12, slot * 0.65));
    for (let i = 0; i < n; i++) {
      const o = input.open[i]!;
      const c = input.close[i]!;
      const color = c >= o ? COLORS.up : COLORS.down;
      const xx = x(i);
      svg.add(
        `<line x1="${xx.toFixed(1)}" y1="${py(input.high[i]!).toFixed(1)}" x2="${xx.toFixed(1)}" y2="${py(input.low[i]!).toFixed(1)}" stroke="${color}" stroke-width="1"/>`,
      );
      const y1 = py(Math.max(o, c));
      const h = Math.max(1, py(Math.min(o, c)) - y1);
      svg.add(`<rect x="${(xx - body / 2).toFixed(1)}" y="${y1.toFixed(1)}" width="${body.toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"/>`);
    }
  } else {
    svg.add(`<path d="${linePath(plot, input.close, py)}" fill="none" stroke="${COLORS.price}" stroke-width="1.4"/>`);
  }
  return candles;
}

function drawPricePane(plot: Plot, input: ChartInput, top: number, height: number, width: number): void {
  const { svg, n, left, right, plotW } = plot;
  const priceArrays = [input.high, input.low, ...input.overlays.map((o) => o.values), ...(input.bands ? [input.bands.upper, input.bands.lower] : [])];
  let [plo, phi] = finiteRange(priceArrays);
  if (!(phi > plo)) [plo, phi] = [plo * 0.99, phi * 1.01 || 1];
  const pad = (phi - plo) * 0.06;
  const price: Pane = { top, height, lo: plo - pad, hi: phi + pad };
  const py = yOf(price);
  const { ticks: pTicks, step: pStep } = niceTicks(price.lo, price.hi, 6);
  frame(plot, price, pTicks, (v) => tickLabel(v, pStep));
  svg.add(`<clipPath id="price"><rect x="${left}" y="${price.top}" width="${plotW}" height="${price.height}"/></clipPath><g clip-path="url(#price)">`);
  if (input.bands) drawBands(plot, input.bands, py);
  const candles = drawPrices(plot, input, py);
  for (const o of input.overlays)
    svg.add(`<path d="${linePath(plot, o.values, py)}" fill="none" stroke="${o.color}" stroke-width="1.8"${o.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
  svg.add('</g>');
  // Last close marker on the axis.
  const lastClose = input.close[n - 1];
  if (lastClose !== undefined && Number.isFinite(lastClose)) {
    const yy = py(lastClose);
    svg.add(`<rect x="${right + 1}" y="${(yy - 8).toFixed(1)}" width="${width - right - 3}" height="16" fill="${COLORS.price}"/>`);
    svg.text(right + 6, yy + 4, priceLabel(lastClose), { size: 10, color: '#ffffff' });
  }
  legend(plot, price, [
    ...(candles ? [] : [{ label: 'Close', color: COLORS.price }]),
    ...input.overlays.map((o) => ({ label: o.label, color: o.color, dashed: o.dashed ?? false })),
    ...(input.bands ? [{ label: input.bands.label, color: COLORS.band }] : []),
  ]);
}

function drawRsiPane(plot: Plot, rsi: NonNullable<ChartInput['rsi']>, top: number, height: number): void {
  const { svg, left, right, plotW } = plot;
  const p: Pane = { top, height, lo: 0, hi: 100 };
  const y = yOf(p);
  svg.add(`<rect x="${left}" y="${y(70).toFixed(1)}" width="${plotW}" height="${(y(30) - y(70)).toFixed(1)}" fill="#f1eafa"/>`);
  frame(plot, p, [30, 50, 70], (v) => String(v));
  for (const lvl of [30, 70])
    svg.add(
      `<line x1="${left}" y1="${y(lvl).toFixed(1)}" x2="${right}" y2="${y(lvl).toFixed(1)}" stroke="${COLORS.rsi}" stroke-width="1" stroke-dasharray="4 3" stroke-opacity="0.6"/>`,
    );
  svg.add(`<path d="${linePath(plot, rsi.values, y)}" fill="none" stroke="${COLORS.rsi}" stroke-width="1.6"/>`);
  legend(plot, p, [{ label: rsi.label, color: COLORS.rsi }]);
}

function drawMacdPane(plot: Plot, macd: NonNullable<ChartInput['macd']>, top: number, height: number): void {
  const { svg, n, slot, x } = plot;
  const { line, signal, hist } = macd;
  let [lo, hi] = finiteRange([line, signal, hist]);
  if (!(hi > lo)) [lo, hi] = [-1, 1];
  const m = Math.max(Math.abs(lo), Math.abs(hi)) * 1.1;
  const p: Pane = { top, height, lo: -m, hi: m };
  const y = yOf(p);
  const { ticks, step } = niceTicks(-m, m, 4);
  frame(plot, p, ticks, (v) => tickLabel(v, step));
  const bw = Math.max(1, slot * 0.7);
  for (let i = 0; i < n; i++) {
    const h = hist[i]!;
    if (!Number.isFinite(h)) continue;
    const y0 = y(0);
    const y1 = y(h);
    svg.add(
      `<rect x="${(x(i) - bw / 2).toFixed(1)}" y="${Math.min(y0, y1).toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.max(0.5, Math.abs(y1 - y0)).toFixed(1)}" fill="${h >= 0 ? COLORS.up : COLORS.down}" fill-opacity="0.55"/>`,
    );
  }
  svg.add(`<path d="${linePath(plot, line, y)}" fill="none" stroke="${COLORS.macd}" stroke-width="1.6"/>`);
  svg.add(`<path d="${linePath(plot, signal, y)}" fill="none" stroke="${COLORS.signal}" stroke-width="1.4"/>`);
  legend(plot, p, [
    { label: macd.label, color: COLORS.macd },
    { label: 'Signal', color: COLORS.signal },
  ]);
}

/** About six dates, evenly spaced, never overlapping. */
function drawTimeAxis({ svg, n, x }: Plot, input: ChartInput, bottom: number): void {
  const labels = Math.min(6, n);
  for (let k = 0; k < labels; k++) {
    const i = labels === 1 ? n - 1 : Math.round((k * (n - 1)) / (labels - 1));
    const xx = x(i);
    svg.add(`<line x1="${xx.toFixed(1)}" y1="${bottom}" x2="${xx.toFixed(1)}" y2="${bottom + 4}" stroke="${COLORS.axis}"/>`);
    svg.text(xx, bottom + 16, dateLabel(input.t[i]!, input.timeframe), {
      size: 10,
      color: COLORS.axis,
      anchor: k === 0 ? 'start' : k === labels - 1 ? 'end' : 'middle',
    });
  }
}

export function buildChartSvg(input: ChartInput, textMode: TextMode, width = CHART_WIDTH, height = CHART_HEIGHT): string {
  const n = input.close.length;
  const svg = new SvgBuilder(textMode);
  const left = 12;
  const right = width - 72; // price labels live on the right, where the latest bar is
  const top = 40;
  const bottom = height - 26;
  const gap = 12;
  const panes = 1 + (input.rsi ? 1 : 0) + (input.macd ? 1 : 0);
  const lowerHeight = panes === 1 ? 0 : Math.round((bottom - top) * 0.2);
  const priceHeight = bottom - top - (panes - 1) * (lowerHeight + gap);
  const plotW = right - left;
  const slot = plotW / Math.max(1, n);
  const plot: Plot = { svg, n, left, right, plotW, slot, x: (i: number) => left + slot * (i + 0.5) };

  svg.add(`<rect width="${width}" height="${height}" fill="${COLORS.background}"/>`);
  svg.text(left, 22, input.title, { size: 15, weight: 'bold' });
  drawPricePane(plot, input, top, priceHeight, width);
  let nextTop = top + priceHeight + gap;
  if (input.rsi) {
    drawRsiPane(plot, input.rsi, nextTop, lowerHeight);
    nextTop += lowerHeight + gap;
  }
  if (input.macd) drawMacdPane(plot, input.macd, nextTop, lowerHeight);
  drawTimeAxis(plot, input, bottom);
  return svg.toString(width, height);
}

export async function renderChartPng(
  input: ChartInput,
  options: { textMode?: TextMode; width?: number; height?: number } = {},
): Promise<{ png: Buffer; width: number; height: number; textMode: TextMode }> {
  const textMode = options.textMode ?? (await detectTextMode());
  const width = options.width ?? CHART_WIDTH;
  const height = options.height ?? CHART_HEIGHT;
  const rendered = await svgToPng(buildChartSvg(input, textMode, width, height), textMode, COLORS.background);
  return { ...rendered, textMode };
}
