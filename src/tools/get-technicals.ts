/**
 * get_technicals (SPEC §3): indicators, deterministic signals, an optional analysis-tier narrative and
 * an optional PNG chart for one symbol. Read-only. The handler is thin: the work is in
 * src/market/technicals.ts, imported lazily so listing tools never loads trading-signals or resvg.
 */
import { defineTool } from '../tool.js';
import { TechnicalsInputSchema, TechnicalsOutputSchema } from '../market/technicals-schema.js';

export const getTechnicalsTool = defineTool({
  name: 'get_technicals',
  title: 'Technical indicators and signals',
  description:
    'Technical analysis of one US equity over broker bars: SMA 20/50/200, EMA 9/21/50/200, RSI(14), MACD(12,26,9), Bollinger(20,2), ATR(14), ADX(14) with ±DI, ' +
    'Stochastic(14,3,3), OBV, VWAP (per session intraday; anchored at the window start on daily bars) and 20-bar historical volatility with its 252-bar rank. ' +
    'Returns the latest values, the last 10 values of each series, and rule-based signals, each with the rule that fired: RSI 70/30, Stochastic 80/20 and %K/%D cross, MACD cross (3 bars), ' +
    'close vs Bollinger bands and squeeze, trend by SMA50/SMA200 with golden/death cross (5 bars), ADX ≥ 25 trend strength, a 2×ATR stop distance, close vs VWAP, OBV confirmation/divergence (20 bars), HV rank 80/20. ' +
    '`lookback` bars are analysed and charted (earlier bars are fetched as warm-up). Indicators a short series cannot support are listed under `unavailable`; asking explicitly for one that cannot be computed is INVALID_INPUT. ' +
    '`narrative: true` adds a short assessment by the cheap analysis-tier model (needs a gateway key, else GATEWAY_NOT_CONFIGURED) with its cost; `chart: true` attaches a PNG. Read-only.',
  group: 'market',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: TechnicalsInputSchema,
  outputSchema: TechnicalsOutputSchema,
  async handler(input, ctx) {
    const { analyzeTechnicals } = await import('../market/technicals.js');
    return analyzeTechnicals(ctx.deps, input, ctx.signal);
  },
});
