/**
 * Demo: get_technicals on the sim broker — indicators, the signals with the rule that fired, and the
 * chart saved to a PNG file whose path is printed; then the narrative's behaviour without a gateway key.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoStep } from '../demo.js';

type Content = Array<{ type: string; text?: string; data?: string; mimeType?: string }>;

export const technicalsStep: DemoStep = {
  title: 'Technicals: indicators, rule-based signals and a chart (get_technicals)',
  profile: 'analyst',
  async run(ctx) {
    const result = await ctx.call('get_technicals', { symbol: 'AAPL', timeframe: '1Day', lookback: 120, chart: true });
    const content = result.content as Content;
    if (result.isError) throw new Error(content.map((c) => c.text ?? '').join(' '));
    ctx.print(
      content
        .filter((c) => c.type === 'text')
        .map((c) => c.text)
        .join('\n'),
    );
    const image = content.find((c) => c.type === 'image');
    if (image?.data) {
      const file = join(ctx.dataDir, 'technicals-AAPL-1Day.png');
      writeFileSync(file, Buffer.from(image.data, 'base64'));
      ctx.print(`chart saved to ${file}`);
    }
    const narrative = await ctx.call('get_technicals', { symbol: 'AAPL', timeframe: '1Day', lookback: 120, narrative: true });
    const code = (narrative.structuredContent as { code?: string } | undefined)?.code;
    ctx.print(
      narrative.isError
        ? `narrative: true without a gateway key → ${code}: ${(narrative.content as Content)[0]?.text?.replace(/^[A-Z_]+: /, '') ?? ''}`
        : 'narrative: written by the analysis tier (see the text above)',
    );
  },
};
