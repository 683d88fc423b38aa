/**
 * get_market_data: bars for a timeframe and range, the latest quote or trade, a snapshot, or an
 * options chain (every contract of an expiry window, joined with quotes, IV and greeks; see
 * market/option-chain.ts) for an underlying.
 */
import { z } from 'zod';
import { BarSchema, BrokerNameSchema, ModeSchema, OptionChainRowSchema, QuoteSchema, SnapshotSchema, TradeSchema } from '../broker/schemas.js';
import { MAX_OPTION_ROWS, TIMEFRAMES, type Broker, type Timeframe } from '../broker/types.js';
import { DEFAULT_WINDOW_DAYS, loadOptionChain } from '../market/option-chain.js';
import { EQUITY_SYMBOL } from '../orders/order.js';
import { defineTool } from '../tool.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const dateOrInstant = z
  .string()
  .refine(
    (s) => (DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))) || z.iso.datetime({ offset: true }).safeParse(s).success,
    'must be a date (2025-06-02) or an ISO 8601 instant (2025-06-02T14:30:00Z)',
  );
const isoDate = z.string().refine((s) => DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'must be a date such as 2025-06-20');
const toInstant = (s: string) => (DATE.test(s) ? `${s}T00:00:00Z` : new Date(s).toISOString());
const strike = z.number().positive('strikes are positive').finite();

export const MarketDataInputSchema = z
  .strictObject({
    kind: z.enum(['bars', 'quote', 'trade', 'snapshot', 'options_chain']).describe('what to fetch'),
    symbol: z
      .string()
      .regex(EQUITY_SYMBOL, 'symbol must be an uppercase US equity ticker such as AAPL or BRK.B')
      .describe('ticker; for options_chain the underlying'),
    timeframe: z
      .enum(TIMEFRAMES as unknown as [Timeframe, ...Timeframe[]])
      .optional()
      .describe('bars only; default 1Day'),
    start: dateOrInstant.optional().describe('bars only: first bar at or after (date or ISO instant); without it the latest bars'),
    end: dateOrInstant.optional().describe('bars only: bars before this (default now)'),
    limit: z
      .number()
      .int('limit must be a whole number')
      .min(1)
      .max(1000)
      .optional()
      .describe('bars: default 100, max 1000; options_chain: rows returned after sorting by expiration then strike, default 50, max 500'),
    expiration_gte: isoDate.optional().describe("options_chain: earliest expiration (default today, New York, on the broker's clock)"),
    expiration_lte: isoDate.optional().describe(`options_chain: latest expiration (default ${DEFAULT_WINDOW_DAYS} days after expiration_gte)`),
    option_type: z.enum(['call', 'put']).optional().describe('options_chain: only calls or puts'),
    strike_gte: strike.optional().describe('options_chain: lowest strike'),
    strike_lte: strike.optional().describe('options_chain: highest strike'),
  })
  .superRefine((v, ctx) => {
    const issue = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
    if (v.kind !== 'bars') for (const k of ['timeframe', 'start', 'end'] as const) if (v[k] !== undefined) issue(`${k} applies to kind bars only`, k);
    if (v.kind !== 'options_chain')
      for (const k of ['expiration_gte', 'expiration_lte', 'option_type', 'strike_gte', 'strike_lte'] as const)
        if (v[k] !== undefined) issue(`${k} applies to kind options_chain only`, k);
    if (v.limit !== undefined && v.kind !== 'bars' && v.kind !== 'options_chain') issue('limit applies to bars and options_chain only', 'limit');
    if (v.kind === 'options_chain' && v.limit !== undefined && v.limit > 500) issue('options_chain limit is at most 500', 'limit');
    if (v.start && v.end && Date.parse(toInstant(v.start)) >= Date.parse(toInstant(v.end))) issue('start must be before end', 'end');
    if (v.expiration_gte && v.expiration_lte && v.expiration_gte > v.expiration_lte) issue('expiration_gte must not be after expiration_lte', 'expiration_lte');
    if (v.strike_gte !== undefined && v.strike_lte !== undefined && v.strike_gte > v.strike_lte) issue('strike_gte must not be above strike_lte', 'strike_lte');
  });

export const ChainSummarySchema = z.strictObject({
  expirationGte: z.string().describe('first expiration of the window the rows cover'),
  expirationLte: z.string().describe('last expiration the rows cover completely (earlier than asked when capped)'),
  defaulted: z.array(z.enum(['expiration_gte', 'expiration_lte'])).describe('window ends that were defaulted'),
  contracts: z.number().int().nonnegative().describe('contracts in the window, before limit'),
  quoted: z.number().int().nonnegative().describe('of those, how many have a quote'),
  returned: z.number().int().nonnegative(),
  truncated: z.boolean().describe('limit cut the rows: narrow the window or the strikes to see the rest'),
  capped: z
    .strictObject({ cap: z.number().int(), requestedLte: z.string() })
    .nullable()
    .describe(`the window held more than ${MAX_OPTION_ROWS} contracts; the chain ends at expirationLte`),
});

type MarketDataInput = z.output<typeof MarketDataInputSchema>;

/** The options_chain answer: the whole chain loaded, `limit` applied to the joined, sorted rows. */
async function optionsChain(broker: Broker, input: MarketDataInput) {
  const chain = await loadOptionChain(broker, {
    underlying: input.symbol,
    ...(input.expiration_gte ? { expirationGte: input.expiration_gte } : {}),
    ...(input.expiration_lte ? { expirationLte: input.expiration_lte } : {}),
    ...(input.option_type ? { type: input.option_type } : {}),
    ...(input.strike_gte !== undefined ? { strikeGte: input.strike_gte } : {}),
    ...(input.strike_lte !== undefined ? { strikeLte: input.strike_lte } : {}),
  });
  const limit = input.limit ?? 50;
  const options = chain.rows.slice(0, limit);
  const unquoted = options.filter((o) => !o.quoted).map((o) => o.symbol);
  const summary = {
    expirationGte: chain.expirationGte,
    expirationLte: chain.expirationLte,
    defaulted: chain.defaulted,
    contracts: chain.rows.length,
    quoted: chain.rows.length - chain.unquoted.length,
    returned: options.length,
    truncated: chain.rows.length > limit,
    capped: chain.capped,
  };
  return { options, unquoted, chain: summary, text: chainText(input.symbol, broker.mode, options, summary, unquoted) };
}

function chainText(
  symbol: string,
  mode: string,
  options: Array<{ expiration: string; strike: number }>,
  c: z.output<typeof ChainSummarySchema>,
  unquoted: string[],
): string {
  const window = `${c.expirationGte}..${c.expirationLte}${c.defaulted.length ? ` (${c.defaulted.join(', ')} defaulted)` : ''}`;
  if (!options.length)
    return `No ${symbol} option contracts expiring ${window} (${mode}).${c.capped ? ` The window asked (through ${c.capped.requestedLte}) held more than ${c.capped.cap} contracts: narrow it.` : ''}`;
  const exps = [...new Set(options.map((o) => o.expiration))];
  const parts = [
    `${c.returned} of ${c.contracts} ${symbol} option contracts (${mode}) expiring ${window}; expirations ${exps.slice(0, 6).join(', ')}${exps.length > 6 ? ', …' : ''}; strikes ${Math.min(...options.map((o) => o.strike))}–${Math.max(...options.map((o) => o.strike))}.`,
    unquoted.length
      ? `${unquoted.length} shown without a quote: ${unquoted.slice(0, 5).join(', ')}${unquoted.length > 5 ? ', …' : ''}.`
      : 'Every contract shown has a quote.',
  ];
  if (c.truncated) parts.push(`Showing the first ${c.returned} by expiration and strike: narrow with expiration_lte or strike_gte/strike_lte to see others.`);
  if (c.capped)
    parts.push(`The window asked (through ${c.capped.requestedLte}) held more than ${c.capped.cap} contracts: the chain stops at ${c.expirationLte}.`);
  return parts.join(' ');
}

export const getMarketDataTool = defineTool({
  name: 'get_market_data',
  title: 'Get market data',
  description: [
    "Market data from the active broker (Alpaca's data API, or the simulated market in sim mode). kind:",
    "'bars' — OHLCV bars for `timeframe` (1Min, 5Min, 15Min, 1Hour, 1Day; default 1Day) from `start` to `end`, or the latest `limit` bars when start is omitted;",
    "'quote' — latest bid/ask; 'trade' — latest trade; 'snapshot' — latest trade, quote, minute bar, today's and the previous daily bar;",
    `'options_chain' — every option contract of the underlying \`symbol\` expiring between expiration_gte (default today) and expiration_lte (default ${DEFAULT_WINDOW_DAYS} days later), optionally one option_type and a strike range, each joined with its bid/ask, last, implied volatility and greeks;`,
    'rows are sorted by expiration then strike and `limit` (default 50) applies to them; each row says whether it is `quoted`, `unquoted` lists the rows shown without a quote, and `chain` counts the whole window (contracts, quoted, truncated, capped).',
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
    unquoted: z.array(z.string()).optional().describe('options_chain: symbols of the rows shown that have no quote'),
    chain: ChainSummarySchema.optional(),
  }),
  async handler(input, { deps }) {
    const { getBroker } = await import('../broker/index.js');
    const broker = await getBroker(deps);
    const base = { mode: broker.mode, broker: broker.name, kind: input.kind, symbol: input.symbol };
    switch (input.kind) {
      case 'bars': {
        const timeframe = input.timeframe ?? '1Day';
        const bars = await broker.getBars({
          symbol: input.symbol,
          timeframe,
          limit: input.limit ?? 100,
          ...(input.start ? { start: toInstant(input.start) } : {}),
          ...(input.end ? { end: toInstant(input.end) } : {}),
        });
        const first = bars[0];
        const last = bars[bars.length - 1];
        const text =
          first && last
            ? `${bars.length} ${timeframe} bars of ${input.symbol} (${broker.mode}) from ${first.t} to ${last.t}: open ${first.o}, last close ${last.c}, high ${Math.max(...bars.map((b) => b.h))}, low ${Math.min(...bars.map((b) => b.l))}.`
            : `No ${timeframe} bars for ${input.symbol} in that range (${broker.mode}).`;
        return { structured: { ...base, timeframe, bars }, text };
      }
      case 'quote': {
        const quote = await broker.getLatestQuote(input.symbol);
        return {
          structured: { ...base, quote },
          text: `${input.symbol} (${broker.mode}) bid ${quote.bidPrice} × ${quote.bidSize} / ask ${quote.askPrice} × ${quote.askSize} at ${quote.timestamp}`,
        };
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
        return {
          structured: { ...base, snapshot },
          text: `${input.symbol} (${broker.mode}): last ${snapshot.latestTrade?.price ?? 'n/a'}, bid ${snapshot.latestQuote?.bidPrice ?? 'n/a'} / ask ${snapshot.latestQuote?.askPrice ?? 'n/a'}${d ? `; today O ${d.o} H ${d.h} L ${d.l} C ${d.c}` : ''}${change}`,
        };
      }
      case 'options_chain': {
        const { text, ...chain } = await optionsChain(broker, input);
        return { structured: { ...base, ...chain }, text };
      }
    }
  },
});
