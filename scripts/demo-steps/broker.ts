/** Demo: the sim broker's account, a quote, a few daily bars and the options chain (get_account, get_market_data). */
import type { DemoStep } from '../demo.js';

const textOf = (r: { content: Array<{ type: string; text?: string }> }) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

export const brokerStep: DemoStep = {
  title: 'Broker: account, a quote, recent bars and an options chain (get_account, get_market_data)',
  profile: 'analyst',
  async run(ctx) {
    const account = await ctx.call('get_account', {});
    ctx.print(textOf(account));
    const quote = await ctx.call('get_market_data', { kind: 'quote', symbol: 'AAPL' });
    ctx.print(textOf(quote));
    const bars = await ctx.call('get_market_data', { kind: 'bars', symbol: 'AAPL', timeframe: '1Day', limit: 5 });
    ctx.print(textOf(bars));
    const rows = ((bars.structuredContent ?? {}) as { bars?: Array<{ t: string; o: number; h: number; l: number; c: number; v: number }> }).bars ?? [];
    for (const b of rows) ctx.print(`  ${b.t.slice(0, 10)}  O ${b.o.toFixed(2)}  H ${b.h.toFixed(2)}  L ${b.l.toFixed(2)}  C ${b.c.toFixed(2)}  V ${b.v}`);
    const chain = await ctx.call('get_market_data', { kind: 'options_chain', symbol: 'AAPL', option_type: 'call', limit: 5 });
    ctx.print(textOf(chain));
    const options =
      (
        (chain.structuredContent ?? {}) as {
          options?: Array<{ symbol: string; bid: number | null; ask: number | null; impliedVolatility: number | null; delta: number | null }>;
        }
      ).options ?? [];
    for (const o of options) ctx.print(`  ${o.symbol}  bid ${o.bid ?? '-'}  ask ${o.ask ?? '-'}  IV ${o.impliedVolatility ?? '-'}  delta ${o.delta ?? '-'}`);
    const bad = await ctx.call('get_market_data', { kind: 'quote', symbol: 'aapl' });
    ctx.print(`malformed symbol "aapl" → ${String((bad.structuredContent as { code?: string } | undefined)?.code)}`);
  },
};
