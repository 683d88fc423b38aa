/**
 * get_technicals' input and output schemas (zod only: cheap to import, shared by the tool file and
 * the lazily loaded analysis in technicals.ts).
 */
import { z } from 'zod';
import { TIMEFRAMES } from '../broker/types.js';
import { EQUITY_SYMBOL } from '../orders/order.js';

/** Kept in step with indicators.ts INDICATOR_NAMES (a unit test checks it). */
export const INDICATOR_CHOICES = ['sma', 'ema', 'rsi', 'macd', 'bbands', 'atr', 'adx', 'stoch', 'obv', 'vwap', 'hv'] as const;
export const MIN_LOOKBACK = 30;
export const MAX_LOOKBACK = 2000;
export const TAIL_BARS = 10;

export const TechnicalsInputSchema = z.strictObject({
  symbol: z.string().regex(EQUITY_SYMBOL, 'symbol must be an uppercase US equity ticker such as AAPL or BRK.B'),
  timeframe: z.enum(TIMEFRAMES as unknown as ['1Min', '5Min', '15Min', '1Hour', '1Day']).describe('bar size: 1Min, 5Min, 15Min, 1Hour or 1Day'),
  lookback: z
    .number()
    .int()
    .min(MIN_LOOKBACK)
    .max(MAX_LOOKBACK)
    .describe(
      `bars to analyse and chart, ending at the latest bar (${MIN_LOOKBACK}–${MAX_LOOKBACK}); up to 271 earlier bars are fetched as warm-up so SMA200 and the HV rank are defined`,
    ),
  indicators: z
    .array(z.enum(INDICATOR_CHOICES))
    .min(1)
    .max(INDICATOR_CHOICES.length)
    .refine((xs) => new Set(xs).size === xs.length, 'indicators must not repeat')
    .optional()
    .describe('subset to compute (default: all)'),
  narrative: z
    .boolean()
    .optional()
    .describe('add a short assessment written by the analysis-tier model from the computed numbers (needs a gateway key; costs a cheap call)'),
  chart: z.boolean().optional().describe('attach a PNG chart: price with SMA/EMA/Bollinger overlays, RSI and MACD panes'),
});

const finite = z.number();
const count = z.number().int().min(0);
const period = z.number().int().positive();

export const SignalSchema = z.strictObject({
  id: z.string(),
  indicator: z.enum(INDICATOR_CHOICES),
  state: z.string(),
  direction: z.enum(['bullish', 'bearish', 'neutral']),
  rule: z.string(),
  values: z.record(z.string(), finite),
});

export const TechnicalsOutputSchema = z.strictObject({
  symbol: z.string(),
  timeframe: z.string(),
  mode: z.enum(['sim', 'paper', 'live']),
  window: z.strictObject({
    bars: count,
    from: z.string(),
    to: z.string(),
    warmupBars: count,
    lastClose: finite,
  }),
  dataQuality: z.strictObject({
    received: count,
    used: count,
    duplicates: count,
    reordered: z.boolean(),
    droppedCount: count,
    dropped: z.array(z.strictObject({ t: z.string(), reason: z.string() })),
    gapCount: count,
    largestGap: z.strictObject({ from: z.string(), to: z.string(), hours: finite }).nullable(),
  }),
  latest: z.strictObject({
    close: finite,
    sma: z.record(z.string(), finite).optional(),
    ema: z.record(z.string(), finite).optional(),
    rsi: z.strictObject({ period, value: finite }).optional(),
    macd: z.strictObject({ fast: period, slow: period, signalPeriod: period, macd: finite, signal: finite, histogram: finite }).optional(),
    bbands: z
      .strictObject({ period, stdDev: finite, upper: finite, middle: finite, lower: finite, percentB: finite.nullable(), bandwidthPct: finite })
      .optional(),
    atr: z.strictObject({ period, value: finite, percentOfClose: finite }).optional(),
    adx: z.strictObject({ period, adx: finite, plusDI: finite, minusDI: finite }).optional(),
    stoch: z.strictObject({ kPeriod: period, kSlowing: period, dPeriod: period, k: finite, d: finite }).optional(),
    obv: z.strictObject({ value: finite }).optional(),
    vwap: z.strictObject({ value: finite, anchor: z.enum(['session', 'window']), since: z.string() }).optional(),
    hv: z
      .strictObject({
        period,
        annualized: finite.describe('annualised close-to-close volatility as a fraction (0.25 = 25%)'),
        rank: finite.nullable().describe('0–100: where today sits between the min and max HV of the rank window'),
        percentile: finite.nullable().describe('0–100: share of the rank window below today'),
        rankWindow: count,
        periodsPerYear: count,
      })
      .optional(),
  }),
  tail: z.strictObject({
    t: z.array(z.string()),
    series: z.record(z.string(), z.array(finite.nullable())),
  }),
  signals: z.array(SignalSchema),
  summary: z.strictObject({ bullish: count, bearish: count, neutral: count }),
  unavailable: z.array(z.strictObject({ indicator: z.enum(INDICATOR_CHOICES), series: z.string(), needsBars: count, haveBars: count, reason: z.string() })),
  method: z.strictObject({ library: z.string(), ours: z.array(z.string()), notes: z.array(z.string()) }),
  narrative: z
    .strictObject({
      text: z.string(),
      llm: z.strictObject({ tier: z.string(), model: z.string(), costUsd: finite, remainingDailyUsd: finite }),
    })
    .nullable(),
  chart: z.strictObject({ mimeType: z.literal('image/png'), width: count, height: count, bytes: count, textMode: z.enum(['font', 'paths']) }).nullable(),
});

export type TechnicalsInput = z.output<typeof TechnicalsInputSchema>;
export type TechnicalsOutput = z.output<typeof TechnicalsOutputSchema>;
