/**
 * A tiny built-in stroke font (capitals, digits, the punctuation our charts use) drawn as SVG paths,
 * for machines where resvg finds no system font and would silently drop every <text>. Each glyph is
 * polylines on a 4 × 6 grid (y down, baseline at 6). Lower case is drawn as capitals.
 *
 * @example strokeText('AAPL 187.23', 10, 20, 12, '#000', 'start', false) // '<path d="M..." .../>'
 */
const GLYPHS: Record<string, string> = {
  '0': '0,0 4,0 4,6 0,6 0,0;4,0 0,6',
  '1': '1,1 2,0 2,6;1,6 3,6',
  '2': '0,0 4,0 4,3 0,3 0,6 4,6',
  '3': '0,0 4,0 4,6 0,6;1,3 4,3',
  '4': '0,0 0,3 4,3;4,0 4,6',
  '5': '4,0 0,0 0,3 4,3 4,6 0,6',
  '6': '4,0 0,0 0,6 4,6 4,3 0,3',
  '7': '0,0 4,0 1.5,6',
  '8': '0,0 4,0 4,6 0,6 0,0;0,3 4,3',
  '9': '4,3 0,3 0,0 4,0 4,6 0,6',
  A: '0,6 0,1 1,0 3,0 4,1 4,6;0,3 4,3',
  B: '0,0 3,0 4,1 4,2 3,3 0,3;3,3 4,4 4,5 3,6 0,6 0,0',
  C: '4,0 0,0 0,6 4,6',
  D: '0,0 3,0 4,1 4,5 3,6 0,6 0,0',
  E: '4,0 0,0 0,6 4,6;0,3 3,3',
  F: '4,0 0,0 0,6;0,3 3,3',
  G: '4,0 0,0 0,6 4,6 4,3 2,3',
  H: '0,0 0,6;4,0 4,6;0,3 4,3',
  I: '1,0 3,0;2,0 2,6;1,6 3,6',
  J: '4,0 4,6 0,6 0,4',
  K: '0,0 0,6;4,0 0,3 4,6',
  L: '0,0 0,6 4,6',
  M: '0,6 0,0 2,3 4,0 4,6',
  N: '0,6 0,0 4,6 4,0',
  O: '1,0 3,0 4,1 4,5 3,6 1,6 0,5 0,1 1,0',
  P: '0,6 0,0 4,0 4,3 0,3',
  Q: '1,0 3,0 4,1 4,5 3,6 1,6 0,5 0,1 1,0;2.5,4.5 4,6.5',
  R: '0,6 0,0 4,0 4,3 0,3 4,6',
  S: '4,1 3,0 1,0 0,1 0,2 1,3 3,3 4,4 4,5 3,6 1,6 0,5',
  T: '0,0 4,0;2,0 2,6',
  U: '0,0 0,6 4,6 4,0',
  V: '0,0 2,6 4,0',
  W: '0,0 1,6 2,3 3,6 4,0',
  X: '0,0 4,6;4,0 0,6',
  Y: '0,0 2,3 4,0;2,3 2,6',
  Z: '0,0 4,0 0,6 4,6',
  '.': '1.6,6 2.4,6',
  ',': '2,5.2 1.4,7',
  '-': '1,3 3,3',
  '\u2212': '1,3 3,3',
  '+': '0.5,3 3.5,3;2,1.5 2,4.5',
  '=': '0.5,2 3.5,2;0.5,4 3.5,4',
  '%': '0,6 4,0;0,0 1,0 1,1 0,1 0,0;3,5 4,5 4,6 3,6 3,5',
  ':': '2,1.6 2,2.2;2,4.8 2,5.4',
  '/': '0,6 4,0',
  '(': '3,0 1.5,2 1.5,4 3,6',
  ')': '1,0 2.5,2 2.5,4 1,6',
  "'": '2,0 2,1.6',
  '\u00b7': '1.7,3 2.3,3',
  '\u2022': '1.5,3 2.5,3',
  '\u00d7': '1,2 3,4;3,2 1,4',
  $: '4,1 3,0 1,0 0,1 0,2 1,3 3,3 4,4 4,5 3,6 1,6 0,5;2,-0.8 2,6.8',
  '|': '2,-0.5 2,6.5',
  '?': '0,1 1,0 3,0 4,1 4,2 2,3.5 2,4.5;2,5.8 2,6',
};
const UNKNOWN = '0.5,0 3.5,0 3.5,6 0.5,6 0.5,0';

/** Advance per character, in grid units (4 wide + 2 spacing). */
const ADVANCE = 6;

export function strokeTextWidth(text: string, size: number): number {
  return [...text].length * ADVANCE * ((size * 0.72) / 6) - 2 * ((size * 0.72) / 6);
}

export function strokeText(text: string, x: number, baseline: number, size: number, color: string, anchor: 'start' | 'middle' | 'end', bold: boolean): string {
  const unit = (size * 0.72) / 6;
  const width = strokeTextWidth(text, size);
  let pen = anchor === 'start' ? x : anchor === 'middle' ? x - width / 2 : x - width;
  const top = baseline - 6 * unit;
  let d = '';
  for (const ch of text.toUpperCase()) {
    if (ch !== ' ') {
      const glyph = GLYPHS[ch] ?? UNKNOWN;
      for (const line of glyph.split(';')) {
        const pts = line.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
        d += pts.map(([gx, gy], k) => `${k ? 'L' : 'M'}${(pen + gx * unit).toFixed(1)} ${(top + gy * unit).toFixed(1)}`).join('');
      }
    }
    pen += ADVANCE * unit;
  }
  const stroke = Math.max(0.9, size / 11) * (bold ? 1.5 : 1);
  return d ? `<path d="${d}" fill="none" stroke="${color}" stroke-width="${stroke.toFixed(2)}" stroke-linecap="round" stroke-linejoin="round"/>` : '';
}
