/**
 * build_iron_condor (SPEC §12): a ready `mleg` iron condor order from the broker's whole option
 * chain, with its credit, max loss, breakevens and a probability of profit. Read-only: it builds,
 * it never submits; the order goes unchanged into check_risk and place_order. The work is in
 * src/market/iron-condor/, imported lazily.
 */
import { IronCondorInputSchema, IronCondorOutputSchema } from '../market/iron-condor/schema.js';
import { defineTool } from '../tool.js';

export const buildIronCondorTool = defineTool({
  name: 'build_iron_condor',
  title: 'Build an iron condor',
  description: [
    "Build a defined-risk iron condor on `underlying` from the broker's whole option chain (Alpaca, or the sim): the expiration is `expiry`, or the one nearest the middle of",
    "dte_min..dte_max days (default: the profile's options days-to-expiry window, 30–45); the short put and call are the two-sided-quoted contracts whose delta is nearest",
    '−short_delta / +short_delta (default 0.16; a Black–Scholes estimate from the implied vol when the feed sends no greeks); the long wings sit exactly wing_width dollars',
    '(default 5) beyond the shorts and must be listed and quoted. Returns `order` — order_class mleg, 4 legs (sell_to_open shorts, buy_to_open wings), type limit,',
    'limit_price = −(mid credit) (negative = credit), time_in_force day, qty condors — to pass unchanged to check_risk and place_order, plus the mid and natural credit,',
    'max profit, max loss ((wing_width − credit) × 100 × qty), breakevens (short put − credit, short call + credit), a probability of profit (method says: chain deltas or',
    'Black–Scholes) and the chain rows used. Refuses with NOT_FOUND (no expiry in the window, expiry or wing strike not listed) or UNKNOWN_PRICE (no quotes, no delta,',
    'credit ≤ 0 or ≥ wing_width), details.reason naming which. Read-only: nothing is submitted.',
  ].join(' '),
  group: 'market',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: IronCondorInputSchema,
  outputSchema: IronCondorOutputSchema,
  async handler(input, ctx) {
    const { loadIronCondor } = await import('../market/iron-condor/load.js');
    return loadIronCondor(ctx.deps, input);
  },
});
