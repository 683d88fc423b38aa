/** The arena tools' output schemas and their text renderings (arena_round, get_leaderboard, get_model_chat). */
import { z } from 'zod';

const Action = z.enum(['BUY', 'SELL', 'HOLD']);
const Fraction = z.number().min(0).max(1);
const Fill = z.strictObject({ side: z.enum(['buy', 'sell']), qty: z.number().int().positive(), price: z.number().positive(), mid: z.number().positive() });
const ErrorShape = z.strictObject({ code: z.string(), message: z.string() });

const DecisionSchema = z.strictObject({
  model: z.string().describe('the arena model asked (its account)'),
  tier: z.string(),
  model_served: z.string().nullable(),
  status: z.enum(['valid', 'invalid', 'substituted', 'failed', 'timeout']).describe('substituted: another model served the reply; it fills nothing'),
  action: Action.nullable(),
  symbol: z.string().nullable(),
  qty_fraction: Fraction.nullable(),
  confidence: Fraction.nullable(),
  reasoning: z.string().nullable(),
  fill: Fill.nullable().describe("what filled in the model's shadow account; null: nothing did (see note)"),
  note: z.string().nullable(),
  error: ErrorShape.nullable(),
  cost_usd: z.number().nonnegative(),
  latency_ms: z.number().nonnegative(),
  equity_after: z.number().describe("the model's account marked at this round's mids"),
});

export const ArenaRoundOutputSchema = z.strictObject({
  round_id: z.string(),
  at: z.string(),
  symbols: z.array(z.string()),
  snapshots: z.array(
    z.strictObject({
      symbol: z.string(),
      bid: z.number(),
      ask: z.number(),
      mid: z.number(),
      quoted_at: z.string(),
      signals: z.array(z.strictObject({ id: z.string(), state: z.string(), direction: z.string() })),
    }),
  ),
  decisions: z.array(DecisionSchema),
  consensus: z.strictObject({
    action: Action.nullable().describe('most frequent action among valid decisions; a tie with HOLD is HOLD, any other tie null'),
    symbol: z.string().nullable(),
    agreement: Fraction,
    average_confidence: Fraction.nullable(),
    valid: z.number().int().nonnegative(),
    outliers: z.array(z.strictObject({ model: z.string(), action: Action, symbol: z.string(), confidence: Fraction })),
  }),
  fill_model: z.string(),
  market_ms: z.number().nonnegative().describe('reading the market before any model was asked'),
  wall_ms: z.number().nonnegative().describe('from the first model asked to the last answer, fills and marks included'),
  cost_usd: z.number().nonnegative(),
});
export type ArenaRoundOutput = z.output<typeof ArenaRoundOutputSchema>;

export function renderRound(r: ArenaRoundOutput): string {
  const c = r.consensus;
  const head = `Arena round ${r.round_id.slice(0, 8)} on ${r.symbols.join(', ')}: consensus ${c.action ?? 'none'}${c.symbol ? ` ${c.symbol}` : ''} (${Math.round(c.agreement * 100)}% of ${c.valid} valid).`;
  const lines = r.decisions.map((d) => {
    const what =
      d.action !== null
        ? `${d.action} ${d.symbol} ${d.qty_fraction} (conf ${d.confidence})${d.fill ? ` → ${d.fill.side} ${d.fill.qty} @ ${d.fill.price}` : ` → no fill: ${d.note}`}${d.status === 'substituted' ? ' [substituted]' : ''}`
        : `${d.status.toUpperCase()} ${d.error?.code}: ${d.error?.message.slice(0, 100)}`;
    return `- ${d.model}: ${what}; equity $${d.equity_after.toFixed(2)} (${Math.round(d.latency_ms)} ms, $${d.cost_usd.toFixed(6)})`;
  });
  return [head, ...lines, `Fill model: ${r.fill_model}.`, `wall ${Math.round(r.wall_ms)} ms, cost $${r.cost_usd.toFixed(6)}.`].join('\n');
}

const Position = z.strictObject({
  symbol: z.string(),
  qty: z.number().int().positive(),
  avg_cost: z.number(),
  price: z.number().nullable().describe('current mid; null: no quote, carried at cost'),
  market_value: z.number(),
  unrealized_pl: z.number(),
});

export const LeaderRowSchema = z.strictObject({
  rank: z.number().int().positive(),
  model: z.string(),
  initial_cash: z.number(),
  equity: z.number(),
  cash: z.number(),
  positions: z.array(Position),
  pnl_usd: z.number(),
  return_pct: z.number(),
  max_drawdown: z.number().min(0).max(1).describe('largest fall from a peak of the equity curve, a fraction of the peak'),
  trades: z.number().int().nonnegative().describe('fills'),
  closed_trades: z.number().int().nonnegative().describe('sells'),
  win_rate: Fraction.nullable().describe('sells that realised a gain over average cost / sells'),
  realized_pnl_usd: z.number(),
  decisions: z.number().int().nonnegative().describe('decisions on record in ModelChat (arena rounds and council votes)'),
  llm_cost_usd: z.number().nonnegative(),
  return_per_llm_dollar: z.number().nullable(),
  net_usd: z.number().describe('pnl − llm cost: the rank'),
});

export const LeaderboardOutputSchema = z.strictObject({
  at: z.string(),
  ranked_by: z.string(),
  fill_model: z.string(),
  models: z.array(LeaderRowSchema),
  unquoted: z.array(z.string()).describe('held symbols without a quote now (marked at cost)'),
  routing_signal: z.string().describe('what the arena exports to adaptive routing'),
});
export type LeaderboardOutput = z.output<typeof LeaderboardOutputSchema>;

export function renderBoard(b: LeaderboardOutput): string {
  if (!b.models.length) return 'Arena leaderboard: no model has an account or a decision yet (run arena_round, or council_vote on an order).';
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}%`;
  const lines = b.models.map(
    (r) =>
      `${r.rank}. ${r.model}: equity $${r.equity.toFixed(2)} (${pct(r.return_pct)}), net $${r.net_usd.toFixed(2)}, drawdown ${(r.max_drawdown * 100).toFixed(2)}%, ${r.trades} trades, win rate ${r.win_rate === null ? '-' : `${Math.round(r.win_rate * 100)}%`}, LLM $${r.llm_cost_usd.toFixed(6)}${r.return_per_llm_dollar === null ? '' : `, $${r.return_per_llm_dollar} per LLM dollar`}`,
  );
  return [`Arena leaderboard (${b.ranked_by}):`, ...lines, ...(b.unquoted.length ? [`No quote now for ${b.unquoted.join(', ')}: marked at cost.`] : [])].join(
    '\n',
  );
}

export const ChatEntrySchema = z.strictObject({
  id: z.number().int(),
  at: z.string(),
  kind: z.enum(['round', 'council']),
  ref: z.string().describe('the round id, or the council id'),
  model: z.string(),
  model_requested: z.string().nullable(),
  model_served: z.string().nullable(),
  tier: z.string().nullable(),
  symbols: z.array(z.string()),
  prompt_digest: z.string().describe('SHA-256 of the messages the model was sent'),
  reply: z.string().nullable().describe('the full reply text'),
  action: z.string().nullable().describe('BUY/SELL/HOLD in a round; APPROVE/REJECT/ABSTAIN in a council'),
  symbol: z.string().nullable(),
  qty_fraction: z.number().nullable(),
  confidence: z.number().nullable(),
  reasoning: z.string().nullable(),
  status: z.string(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  cost_usd: z.number(),
  latency_ms: z.number(),
  call_id: z.string().nullable().describe('the LLM ledger call id'),
  fill_id: z.number().int().nullable(),
  fill_note: z.string().nullable(),
});

export const ModelChatOutputSchema = z.strictObject({ entries: z.array(ChatEntrySchema), count: z.number().int().nonnegative() });
