/**
 * get_market_data: bars for a timeframe and range, the latest quote or trade, a snapshot, or an
 * options chain (contracts with quotes, IV and greeks) for an underlying and expiry window.
 */
import { z } from 'zod';
import { BarSchema, BrokerNameSchema, ModeSchema, OptionChainRowSchema, QuoteSchema, SnapshotSchema, TradeSchema } from '../broker/schemas.js';
import { TIMEFRAMES, type Timeframe } from '../broker/types.js';
import { EQUITY_SYMBOL } from '../orders/order.js';
import { defineTool } from '../tool.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const dateOrInstant = z
  .string()
  .refine((s) => (DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))) || z.iso.datetime({ offset: true }).safeParse(s).success, 'must be a date (2025-06-02) or an ISO 8601 instant (2025-06-02T14:30:00Z)');
const isoDate = z.string().refine((s) => DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'must be a date such as 2025-06-20');
const toInstant = (s: string) => (DATE.test(s) ? `${s}T00:00:00Z` : new Date(s).toISOString());

export const MarketDataInputSchema = z
  .strictObject({
    kind: z.enum(['bars', 'quote', 'trade', 'snapshot', 'options_chain']).describe('what to fetch'),
    symbol: z.string().regex(EQUITY_SYMBOL, 'symbol must be an uppercase US equity ticker such as AAPL or BRK.B').describe('ticker; for options_chain the underlying'),
    timeframe: z.enum(TIMEFRAMES as unknown as [Timeframe, ...Timeframe[]]).optional().describe('bars only; default 1Day'),
    start: dateOrInstant.optional().describe('bars only: first bar at or after (date or ISO instant); without it the latest bars'),
    end: dateOrInstant.optional().describe('bars only: bars before this (default now)'),
    limit: z.number().int('limit must be a whole number').min(1).max(1000).optional().describe('bars: default 100, max 1000; options_chain: default 50, max 500'),
    expiration_gte: isoDate.optional().describe('options_chain: earliest expiration (default today)'),
    expiration_lte: isoDate.optional().describe('options_chain: latest expiration (default about 45 days out)'),
    option_type: z.enum(['call', 'put']).optional().describe('options_chain: only calls or puts'),
  })
  .superRefine((v, ctx) => {
    const issue = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
    if (v.kind !== 'bars') for (const k of ['timeframe', 'start', 'end'] as const) if (v[k] !== undefined) issue(`${k} applies to kind bars only`, k);
    if (v.kind !== 'options_chain') for (const k of ['expiration_gte', 'expiration_lte', 'option_type'] as const) if (v[k] !== undefined) issue(`${k} applies to kind options_chain only`, k);
    if (v.limit !== undefined && v.kind !== 'bars' && v.kind !== 'options_chain') issue('limit applies to bars and options_chain only', 'limit');
    if (v.kind === 'options_chain' && v.limit !== undefined && v.limit > 500) issue('options_chain limit is at most 500', 'limit');
    if (v.start && v.end && Date.parse(toInstant(v.start)) >= Date.parse(toInstant(v.end))) issue('start must be before end', 'end');
    if (v.expiration_gte && v.expiration_lte && v.expiration_gte > v.expiration_lte) issue('expiration_gte must not be after expiration_lte', 'expiration_lte');
  });

export const getMarketDataTool = defineTool({
  name: 'get_market_data',
  title: 'Get market data',
  description: [
    "Market data from the active broker (Alpaca's data API, or the simulated market in sim mode). kind:",
    "'bars' — OHLCV bars for `timeframe` (1Min, 5Min, 15Min, 1Hour, 1Day; default 1Day) from `start` to `end`, or the latest `limit` bars when start is omitted;",
    "'quote' — latest bid/ask; 'trade' — latest trade; 'snapshot' — latest trade, quote, minute bar, today's and the previous daily bar;",
    "'options_chain' — option contracts of the underlying `symbol` expiring between expiration_gte and expiration_lte, with bid/ask, implied volatility and greeks.",
  ].join(' '),
  group: 'market',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: MarketDataInputSchema,
  outputSchema: z.strictObject({
    mode: ModeSchema,
    broker: BrokerNameSchema,
    kind: z.enum(['bars', 'quote', 'trade', 'snapshot', 'options_chain']),
    symbol: z.string(),
    timeframe: z.string().optional(),
    bars: z.array(BarSchema).optional(),
    quote: QuoteSchema.optional(),
    trade: TradeSchema.optional(),
    snapshot: SnapshotSchema.optional(),
    options: z.array(OptionChainRowSchema).optional(),
  }),
  async handler(input, { deps }) {
    const { getBroker } = await import('../broker/index.js');
    const broker = await getBroker(deps);
    const base = { mode: broker.mode, broker: broker.name, kind: input.kind, symbol: input.symbol };
    switch (input.kind) {
      case 'bars': {
        const timeframe = input.timeframe ?? '1Day';
        const bars = await broker.getBars({ symbol: input.symbol, timeframe, limit: input.limit ?? 100, ...(input.start ? { start: toInstant(input.start) } : {}), ...(input.end ? { end: toInstant(input.end) } : {}) });
        const first = bars[0];
        const last = bars[bars.length - 1];
        const text = first && last ? `${bars.length} ${timeframe} bars of ${input.symbol} (${broker.mode}) from ${first.t} to ${last.t}: open ${first.o}, last close ${last.c}, high ${Math.max(...bars.map((b) => b.h))}, low ${Math.min(...bars.map((b) => b.l))}.` : `No ${timeframe} bars for ${input.symbol} in that range (${broker.mode}).`;
        return { structured: { ...base, timeframe, bars }, text };
      }
      case 'quote': {
        const quote = await broker.getLatestQuote(input.symbol);
        return { structured: { ...base, quote }, text: `${input.symbol} (${broker.mode}) bid ${quote.bidPrice} × ${quote.bidSize} / ask ${quote.askPrice} × ${quote.askSize} at ${quote.timestamp}` };
      }
      case 'trade': {
        const trade = await broker.getLatestTrade(input.symbol);
        return { structured: { ...base, trade }, text: `${input.symbol} (${broker.mode}) last trade ${trade.price} × ${trade.size} at ${trade.timestamp}` };
      }
      case 'snapshot': {
        const snapshot = await broker.getSnapshot(input.symbol);
        const d = snapshot.dailyBar;
        const p = snapshot.prevDailyBar;
        const change = d && p ? ` (${d.c - p.c >= 0 ? '+' : ''}${(((d.c - p.c) / p.c) * 100).toFixed(2)}% vs previous close ${p.c})` : '';
        return { structured: { ...base, snapshot }, text: `${input.symbol} (${broker.mode}): last ${snapshot.latestTrade?.price ?? 'n/a'}, bid ${snapshot.latestQuote?.bidPrice ?? 'n/a'} / ask ${snapshot.latestQuote?.askPrice ?? 'n/a'}${d ? `; today O ${d.o} H ${d.h} L ${d.l} C ${d.c}` : ''}${change}` };
      }
      case 'options_chain': {
        const req = { underlying: input.symbol, limit: input.limit ?? 50, ...(input.expiration_gte ? { expirationGte: input.expiration_gte } : {}), ...(input.expiration_lte ? { expirationLte: input.expiration_lte } : {}), ...(input.option_type ? { type: input.option_type } : {}) };
        const [contracts, snapshots] = await Promise.all([broker.getOptionContracts(req), broker.getOptionSnapshots(req)]);
        const bySymbol = new Map(snapshots.map((s) => [s.symbol, s]));
        const options = contracts.map((c) => {
          const s = bySymbol.get(c.symbol);
          return {
            symbol: c.symbol,
            expiration: c.expiration,
            type: c.type,
            strike: c.strike,
            bid: s?.latestQuote?.bidPrice ?? null,
            ask: s?.latestQuote?.askPrice ?? null,
            last: s?.latestTrade?.price ?? c.closePrice ?? null,
            impliedVolatility: s?.impliedVolatility ?? null,
            delta: s?.greeks?.delta ?? null,
            gamma: s?.greeks?.gamma ?? null,
            theta: s?.greeks?.theta ?? null,
            vega: s?.greeks?.vega ?? null,
            openInterest: c.openInterest,
          };
        });
        const exps = [...new Set(options.map((o) => o.expiration))];
        const text = options.length ? `${options.length} ${input.symbol} option contracts (${broker.mode}), expirations ${exps.slice(0, 6).join(', ')}${exps.length > 6 ? ', …' : ''}; strikes ${Math.min(...options.map((o) => o.strike))}–${Math.max(...options.map((o) => o.strike))}.` : `No ${input.symbol} option contracts in that window (${broker.mode}).`;
        return { structured: { ...base, options }, text };
      }
    }
  },
});
