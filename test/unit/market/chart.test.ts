import { describe, expect, it } from 'vitest';
import { buildChartSvg, niceTicks, renderChartPng, type ChartInput } from '../../../src/market/chart.js';

/** PNG signature + IHDR (the first chunk): width and height as big-endian uint32 at bytes 16 and 20. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function input(n: number): ChartInput {
  const t: string[] = [];
  const o = new Float64Array(n);
  const h = new Float64Array(n);
  const l = new Float64Array(n);
  const c = new Float64Array(n);
  let p = 50;
  for (let i = 0; i < n; i++) {
    t.push(new Date(Date.UTC(2026, 0, 2) + i * 86_400_000).toISOString());
    o[i] = p;
    p *= 1 + Math.sin(i / 7) * 0.02;
    c[i] = p;
    h[i] = Math.max(o[i]!, c[i]!) * 1.01;
    l[i] = Math.min(o[i]!, c[i]!) * 0.99;
  }
  const lead = (a: Float64Array, k: number) => a.map((v, i) => (i < k ? Number.NaN : v));
  const osc = c.map((_, i) => 50 + 30 * Math.sin(i / 5));
  return {
    title: 'TEST · 1Day',
    timeframe: '1Day',
    t,
    open: o,
    high: h,
    low: l,
    close: c,
    overlays: [
      {
        label: 'SMA50',
        color: '#2563eb',
        values: lead(
          c.map((x) => x * 1.01),
          49,
        ),
      },
    ],
    bands: {
      upper: lead(
        h.map((x) => x * 1.02),
        19,
      ),
      middle: lead(c, 19),
      lower: lead(
        l.map((x) => x * 0.98),
        19,
      ),
      label: 'BB(20,2)',
    },
    rsi: { values: lead(osc, 14), label: 'RSI(14)' },
    macd: {
      line: lead(
        osc.map((x) => x / 100 - 0.5),
        33,
      ),
      signal: lead(
        osc.map((x) => x / 100 - 0.52),
        33,
      ),
      hist: lead(
        osc.map(() => 0.02),
        33,
      ),
      label: 'MACD',
    },
  };
}

/** Share of non-white pixels in a region of an RGBA buffer. */
async function ink(png: Buffer, box: { x: number; y: number; w: number; h: number }): Promise<number> {
  const { Resvg } = await import('@resvg/resvg-js');
  // Re-render the PNG through an <image> to get raw pixels without a PNG decoder dependency.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${box.w}" height="${box.h}"><image href="data:image/png;base64,${png.toString('base64')}" x="${-box.x}" y="${-box.y}" width="960" height="640"/></svg>`;
  const px = new Resvg(svg).render().pixels;
  let dark = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i]! < 128 && px[i + 3]! > 0) dark += 1;
  return dark / (px.length / 4);
}

describe('chart', () => {
  it('niceTicks picks round steps', () => {
    expect(niceTicks(101.3, 148.9, 5)).toEqual({ ticks: [110, 120, 130, 140], step: 10 });
    expect(niceTicks(-0.8, 0.8, 4).step).toBe(0.5);
  });

  it('never writes NaN into the SVG, even with undefined warm-up values', () => {
    const svg = buildChartSvg(input(120), 'font');
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(svg).toContain('RSI(14)');
  });

  it('renders a PNG of the stated size, candles when bars are wide and a line when dense', async () => {
    for (const n of [60, 1500]) {
      const r = await renderChartPng(input(n));
      expect(pngSize(r.png)).toEqual({ width: 960, height: 640 });
      expect([r.width, r.height]).toEqual([960, 640]);
    }
  });

  it('finds a system font here; without one, labels are drawn as paths and still show', async () => {
    const withFont = await renderChartPng(input(60));
    expect(withFont.textMode).toBe('font'); // this machine has DejaVu; the fallback is exercised below
    const paths = await renderChartPng(input(60), { textMode: 'paths' });
    const svg = buildChartSvg(input(60), 'paths');
    expect(svg).not.toContain('<text');
    // The title strip (top-left) carries ink in both modes; a blank strip would mean dropped text.
    const titleBox = { x: 10, y: 6, w: 200, h: 22 };
    expect(await ink(withFont.png, titleBox)).toBeGreaterThan(0.05);
    expect(await ink(paths.png, titleBox)).toBeGreaterThan(0.05);
  });
});
