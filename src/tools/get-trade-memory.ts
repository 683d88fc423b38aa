/**
 * get_trade_memory (SPEC §13): the broker's fills, synced into trade memory and matched into round
 * trips, filtered, with aggregates and the open trips marked to market. Read-only; the work is in
 * src/memory/report.ts, imported lazily.
 */
import { TradeMemoryInputSchema, TradeMemoryOutputSchema } from '../memory/schema.js';
import { defineTool } from '../tool.js';

export const getTradeMemoryTool = defineTool({
  name: 'get_trade_memory',
  title: 'Trade memory',
  description:
    'How past trades ended: the broker fills (synced on each call, never counted twice) matched FIFO per symbol into round trips (a multi-leg order as one position), each with realized P&L after reported fees, holding time, entry and exit prices, ' +
    'the strategy, tags and rationale given when it was placed, and the regime at entry (trend up|down|mixed by SMA50/SMA200 with the close; volatility high|normal|low by the HV20 rank 80/20 on daily bars). ' +
    'Filters: symbol (a ticker matches its options too), strategy, regime, since (closed at or after). Aggregates over every match: count, wins, losses, win rate, average win and loss, expectancy, profit factor, total P&L, max drawdown. ' +
    'Open trips are listed apart, marked at the latest quote mid (unrealized P&L null when a quote is missing). Read-only.',
  group: 'account',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: TradeMemoryInputSchema,
  outputSchema: TradeMemoryOutputSchema,
  async handler(input, { deps }) {
    const [{ getBroker }, { tradeMemoryReport }] = await Promise.all([import('../broker/index.js'), import('../memory/report.js')]);
    return tradeMemoryReport(deps, await getBroker(deps), input);
  },
});
