/** get_positions: open positions with cost basis, market value and unrealized P&L. */
import { z } from 'zod';
import { BrokerNameSchema, ModeSchema, PositionSchema } from '../broker/schemas.js';
import { EQUITY_SYMBOL, OCC_SYMBOL } from '../orders/order.js';
import { defineTool } from '../tool.js';

export const getPositionsTool = defineTool({
  name: 'get_positions',
  title: 'Get positions',
  description:
    'Open positions (stocks and option contracts): signed quantity (negative = short), average entry price, cost basis, current price, market value and unrealized P&L, plus totals. Optionally filter by symbols (tickers match their option contracts too).',
  group: 'account',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: z.strictObject({
    symbols: z
      .array(
        z.string().refine((s) => EQUITY_SYMBOL.test(s) || OCC_SYMBOL.test(s), 'each symbol must be an uppercase ticker (AAPL, BRK.B) or an OCC option symbol'),
      )
      .min(1)
      .max(100)
      .optional()
      .describe('only these symbols (a ticker also matches its option contracts)'),
  }),
  outputSchema: z.strictObject({
    mode: ModeSchema,
    broker: BrokerNameSchema,
    positions: z.array(PositionSchema),
    totals: z.strictObject({ marketValue: z.number().finite(), costBasis: z.number().finite(), unrealizedPl: z.number().finite() }),
  }),
  async handler(input, { deps }) {
    const { getBroker } = await import('../broker/index.js');
    const broker = await getBroker(deps);
    let positions = await broker.getPositions();
    if (input.symbols) {
      const wanted = new Set(input.symbols);
      positions = positions.filter((p) => wanted.has(p.symbol) || wanted.has(p.symbol.replace(/\d{6}[CP]\d{8}$/, '')));
    }
    const r2 = (n: number) => Math.round(n * 100) / 100;
    const totals = {
      marketValue: r2(positions.reduce((a, p) => a + p.marketValue, 0)),
      costBasis: r2(positions.reduce((a, p) => a + p.costBasis, 0)),
      unrealizedPl: r2(positions.reduce((a, p) => a + p.unrealizedPl, 0)),
    };
    const lines = positions.map(
      (p) => `${p.symbol} ${p.qty} @ ${p.avgEntryPrice} → ${p.currentPrice}: value ${p.marketValue}, P&L ${p.unrealizedPl >= 0 ? '+' : ''}${p.unrealizedPl}`,
    );
    const text = positions.length
      ? `${positions.length} position(s) (${broker.mode}):\n${lines.join('\n')}\nTotal value ${totals.marketValue}, unrealized P&L ${totals.unrealizedPl}.`
      : `No open positions (${broker.mode}).`;
    return { structured: { mode: broker.mode, broker: broker.name, positions, totals }, text };
  },
});
