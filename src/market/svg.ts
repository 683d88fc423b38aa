/**
 * Charts as SVG strings rendered to PNG in-process by @resvg/resvg-js (no browser), shared by the
 * get_technicals chart and the arena's equity curves. Load lazily: resvg loads on first render.
 *
 * Text: resvg draws <text> only with a font it can find. At the first render we probe whether system
 * fonts load; when none do, every label is drawn with a small built-in stroke font as SVG paths.
 */
import { strokeText, strokeTextWidth } from './stroke-font.js';

export type TextMode = 'font' | 'paths';

export const FONT_FAMILY = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';
const TEXT_COLOR = '#1f2933';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Ticks at a 1–2–2.5–5 × 10^k step giving about `count` intervals over [lo, hi]. */
export function niceTicks(lo: number, hi: number, count: number): { ticks: number[]; step: number } {
  if (!(hi > lo)) return { ticks: [lo], step: 1 };
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { ticks, step };
}

export function tickLabel(v: number, step: number): string {
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  let decimals = 0;
  while (decimals < 6 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6) decimals++;
  return v.toFixed(decimals);
}

export class SvgBuilder {
  readonly parts: string[] = [];
  constructor(private readonly textMode: TextMode) {}
  add(s: string): void {
    this.parts.push(s);
  }
  /** Approximate advance of a label (DejaVu Sans averages about 0.61 em per character). */
  measure(s: string, size: number): number {
    return this.textMode === 'font' ? s.length * size * 0.61 : strokeTextWidth(s, size);
  }
  text(x: number, y: number, s: string, opts: { size?: number; color?: string; anchor?: 'start' | 'middle' | 'end'; weight?: 'normal' | 'bold' } = {}): void {
    const size = opts.size ?? 11;
    const color = opts.color ?? TEXT_COLOR;
    const anchor = opts.anchor ?? 'start';
    if (this.textMode === 'font') {
      this.add(
        `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-family="${FONT_FAMILY}" font-size="${size}" fill="${color}" text-anchor="${anchor}"${opts.weight === 'bold' ? ' font-weight="bold"' : ''}>${esc(s)}</text>`,
      );
    } else {
      this.add(strokeText(s, x, y, size, color, anchor, opts.weight === 'bold'));
    }
  }
  toString(width: number, height: number): string {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${this.parts.join('')}</svg>`;
  }
}

type ResvgModule = typeof import('@resvg/resvg-js');
let resvgModule: Promise<ResvgModule> | null = null;
let fontProbe: Promise<TextMode> | null = null;

export const FONT_OPTIONS = { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' };

/** Whether resvg finds a system font here: render one glyph and look for ink. Memoised per process. */
export function detectTextMode(): Promise<TextMode> {
  fontProbe ??= (async () => {
    const { Resvg } = await loadResvg();
    const probe = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="24"><text x="2" y="18" font-family="${FONT_FAMILY}" font-size="18" fill="#000">H8</text></svg>`;
    const pixels = new Resvg(probe, { font: FONT_OPTIONS }).render().pixels;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) return 'font' as const;
    return 'paths' as const;
  })();
  return fontProbe;
}

function loadResvg(): Promise<ResvgModule> {
  resvgModule ??= import('@resvg/resvg-js');
  return resvgModule;
}

/** Render an SVG string to PNG (system fonts when the probe found them, else none are needed). */
export async function svgToPng(svg: string, textMode: TextMode, background: string): Promise<{ png: Buffer; width: number; height: number }> {
  const { Resvg } = await loadResvg();
  const rendered = new Resvg(svg, { font: textMode === 'font' ? FONT_OPTIONS : { loadSystemFonts: false }, background }).render();
  return { png: rendered.asPng(), width: rendered.width, height: rendered.height };
}
