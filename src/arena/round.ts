/**
 * arena_round (SPEC §14): the market is read once per symbol; every arena model then decides in parallel on
 * the same snapshot with its own account; each decision fills in that model's account only; the round
 * returns the decisions, the consensus and outliers, and the cost and latency per model. The budget is
 * checked before anything is sent: when the whole round cannot be covered, BUDGET_EXHAUSTED and no model is
 * asked. Progress is reported as models finish. The real broker is only ever quoted.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { quorumBudget } from '../council/budget.js';
import type { Deps } from '../deps.js';
import { ToolError, isToolError } from '../errors.js';
import { getTierTable } from '../llm/index.js';
import { nanoToUsd } from '../llm/tiers.js';
import type { LlmRouter } from '../llm/types.js';
import { type Consensus, consensusOf } from './consensus.js';
import { decisionJsonSchema } from './decision.js';
import { type ArenaModel, arenaModels } from './models.js';
import { arenaRequest, type Play, play, type RoundContext, type Turn } from './play.js';
import { arenaMessages, promptDigest } from './prompt.js';
import { midsOf, type PriceSource, snapshotOf, type SymbolSnapshot } from './snapshot.js';
import type { ArenaStore } from './store.js';

export interface RoundInput {
  symbols: string[];
  context?: string | undefined;
}

export interface RoundHooks {
  signal?: AbortSignal;
  progress?: (done: number, total: number, message: string) => Promise<void> | void;
}

export interface RoundResult {
  round_id: string;
  at: string;
  symbols: string[];
  snapshots: SymbolSnapshot[];
  /** Reading the market (quotes, daily bars, technicals) before any model is asked. */
  market_ms: number;
  plays: Array<Play & { equity_after: number }>;
  consensus: Consensus;
  fill_model: string;
  wall_ms: number;
  cost_usd: number;
}

const ms = (x: number) => Math.round(x * 10) / 10;

export const fillModelText = (bps: number) =>
  `whole shares, long only, at the quote mid moved ${bps} bps against the model (buys mid × (1 + ${bps}/1e4), sells mid × (1 − ${bps}/1e4)); a BUY spends at most qty_fraction × cash, a SELL sells floor(qty_fraction × held)`;

async function readMarket(prices: PriceSource, symbols: string[]): Promise<SymbolSnapshot[]> {
  try {
    return await Promise.all(symbols.map((s) => snapshotOf(prices, s)));
  } catch (err) {
    if (isToolError(err)) throw err;
    throw new ToolError('BROKER_UNAVAILABLE', `arena_round could not read the market: ${(err as Error).message}`, { symbols });
  }
}

/** Each model's prompt: the shared snapshot, its own account marked at the round's mids. */
async function turnsFor(deps: Deps, store: ArenaStore, prices: PriceSource, players: ArenaModel[], snapshots: SymbolSnapshot[], input: RoundInput, at: string) {
  const { initialCash, slippageBps } = deps.profile.arena;
  const books = await Promise.all(players.map(async (p) => store.bookOf(p.model, await store.openAccount(p.model, initialCash, at))));
  const held = (await store.heldBy(players.map((p) => p.model))).filter((s) => !input.symbols.includes(s));
  const mids = new Map([...(await midsOf(prices, held)), ...snapshots.map((s) => [s.symbol, s.mid] as const)]);
  const turns: Turn[] = players.map((player, i) => {
    const messages = arenaMessages({ snapshots, book: books[i]!, mids, slippageBps, context: input.context });
    return { player, messages, digest: promptDigest(messages) };
  });
  return { turns, mids };
}

export async function runArenaRound(
  deps: Deps,
  router: LlmRouter,
  store: ArenaStore,
  prices: PriceSource,
  input: RoundInput,
  hooks: RoundHooks = {},
): Promise<RoundResult> {
  if (!router.configured) {
    throw new ToolError('GATEWAY_NOT_CONFIGURED', 'arena_round needs an LLM gateway: set LLM_GATEWAY_API_KEY (or TETRATE_API_KEY) and restart the server', {});
  }
  const players = arenaModels(deps.profile, await getTierTable(deps));
  const t0 = performance.now();
  const snapshots = await readMarket(prices, input.symbols);
  const marketMs = ms(performance.now() - t0);
  const at = new Date().toISOString();
  const { turns, mids } = await turnsFor(deps, store, prices, players, snapshots, input, at);
  const { initialCash, slippageBps, memberTimeoutMs } = deps.profile.arena;
  const ctx: RoundContext = {
    router,
    store,
    roundId: randomUUID(),
    at,
    symbols: input.symbols,
    mids,
    initialCash,
    slippageBps,
    timeoutMs: memberTimeoutMs,
    schema: decisionJsonSchema(input.symbols),
    signal: hooks.signal,
  };
  await assertRoundCovered(router, ctx, turns);
  await store.beginRound(ctx.roundId, at, input.symbols);
  try {
    return await playRound(deps, store, ctx, turns, snapshots, marketMs, hooks);
  } catch (err) {
    // the journal never keeps a round 'running' that stopped (a store that failed mid-round, …)
    await store.finishRound(ctx.roundId, 'failed', { error: (err as Error).message?.slice(0, 500) ?? String(err) }).catch(() => {
      // the store itself is what failed: the round's row stays as it was
    });
    throw err;
  }
}

async function playRound(
  deps: Deps,
  store: ArenaStore,
  ctx: RoundContext,
  turns: Turn[],
  snapshots: SymbolSnapshot[],
  marketMs: number,
  hooks: RoundHooks,
): Promise<RoundResult> {
  const started = performance.now();
  let done = 0;
  await report(hooks, 0, turns.length, `asking ${turns.length} arena models`);
  const plays = await Promise.all(
    turns.map(async (turn) => {
      const p = await play(ctx, turn);
      done += 1;
      await report(
        hooks,
        done,
        turns.length,
        `${p.model} ${p.status === 'valid' ? `${p.decision!.action} ${p.decision!.symbol}${p.fill ? ` filled ${p.fill.qty} @ ${p.fill.price}` : ''}` : `${p.status}: ${p.error?.code ?? p.note}`}`,
      );
      return p;
    }),
  );
  return { ...(await finish(deps, store, ctx, snapshots, plays, started)), market_ms: marketMs };
}

/** Every model's own request quoted; the round goes ahead only when all of them fit together in what is left. */
async function assertRoundCovered(router: LlmRouter, ctx: RoundContext, turns: Turn[]): Promise<void> {
  const quotes = await Promise.all(turns.map((t) => router.quote(arenaRequest(ctx, t))));
  const q = quorumBudget(quotes, quotes.length);
  if (q.affordable) return;
  const usd = (nano: number) => (Number.isFinite(nano) ? nanoToUsd(nano) : null);
  throw new ToolError(
    'BUDGET_EXHAUSTED',
    `the LLM budget cannot cover an arena round of ${turns.length} models (worst case $${usd(q.needNano) ?? '∞'}, $${nanoToUsd(q.leftNano)} left today/this month); no model was asked`,
    {
      models: turns.map((t) => t.player.model),
      worstCaseUsd: usd(q.needNano),
      leftUsd: nanoToUsd(q.leftNano),
      perModelUsd: q.perMemberNano.map((n) => (n === null ? null : nanoToUsd(n))),
    },
  );
}

const report = (hooks: RoundHooks, done: number, total: number, message: string) =>
  Promise.resolve(hooks.progress?.(done, total, message)).catch(() => undefined);

/** Mark every account at the round's mids (the equity curve), aggregate, journal the round. */
async function finish(
  deps: Deps,
  store: ArenaStore,
  ctx: RoundContext,
  snapshots: SymbolSnapshot[],
  plays: Play[],
  started: number,
): Promise<Omit<RoundResult, 'market_ms'>> {
  // every player's account was opened when its prompt was built
  const equities = await store.markAll(
    plays.map((p) => p.model),
    ctx.mids,
    ctx.at,
  );
  const marked = plays.map((p) => ({ ...p, equity_after: equities.get(p.model)! }));
  const valid = plays.filter((p) => p.decision && (p.status === 'valid' || p.status === 'substituted')).map((p) => ({ model: p.model, decision: p.decision! }));
  const result: Omit<RoundResult, 'market_ms'> = {
    round_id: ctx.roundId,
    at: ctx.at,
    symbols: ctx.symbols,
    snapshots,
    plays: marked,
    consensus: consensusOf(valid),
    fill_model: fillModelText(deps.profile.arena.slippageBps),
    wall_ms: ms(performance.now() - started),
    cost_usd: Math.round(plays.reduce((s, p) => s + p.cost_usd, 0) * 1e9) / 1e9,
  };
  await store.finishRound(ctx.roundId, 'done', { consensus: result.consensus, cost_usd: result.cost_usd, wall_ms: result.wall_ms });
  deps.log.info('arena round', {
    round: ctx.roundId,
    symbols: ctx.symbols,
    valid: valid.length,
    of: plays.length,
    cost_usd: result.cost_usd,
    wall_ms: result.wall_ms,
  });
  return result;
}
