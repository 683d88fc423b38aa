/**
 * Trade memory, on the path get_trade_memory and select_strategy take (SPEC §13):
 * - matching 100,000 real-shaped fills (goal < 200 ms): once through matchRoundTrips over fills in
 *   memory (checks, dedupe by id, FIFO, trips), and as a server start does it: LiveMemory reading
 *   the 100k rows and the order metadata from memory.sqlite and matching them (cold);
 * - the incremental step a tool call takes once the server is warm: 100 new fills stored on top of
 *   the 100k, then the refresh that reads and matches only them (p50 over 20 steps);
 * - select_strategy (p50, goal < 2 ms) through the tool's own handler on the analyst profile with
 *   a sim broker: the symbol's current regime from daily bars, the trade-memory sync and refresh
 *   (300 round trips in memory.sqlite), the Thompson draw; the current regime is read once a
 *   minute per symbol (report.ts), so the p50 is a warm call and the first call is given apart;
 *   and the draw alone (5 arms, 300 trips).
 * Both full matches are timed against the matcher the columnar one replaced (test/support/
 * reference-matcher, object per fill), in turns in the same run (`*_before_*`, `*_vs_before`).
 * The matcher keeps closed trips as columns and builds a trip object when one is read (the tools
 * read columns and build only the trips they list or hand over): the in-memory match is also timed
 * with every trip then built (`*_with_trip_objects_*`), in the same turns. The cold path includes
 * building the losing trips LiveMemory hands over (all of them on a start, none handed yet);
 * the cold path's two reads from memory.sqlite are timed on their own (`cold_read_*`).
 * Each with a same-run baseline so the figures read as ratios on a noisy shared machine: a plain
 * loop summing qty × price over the 100k fills, and a plain loop counting wins per strategy over
 * the same trips. Also the process CPU time of a match (GC threads included), the 1-minute load
 * average, and a yardstick (sorting a million doubles) to read absolute times by.
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Fill } from '../src/memory/fills.js';
import { ratio, summarize } from './stats.js';

const FILLS = 100_000;
const STEP_FILLS = 100;
const STEPS = 20;
/** Paired repeats of each full match (the new matcher and the reference, in turns). */
const REPEATS = 7;
const ACCOUNT = 'sim:sim';
const MATCH_GOAL_MS = 200;
const SAMPLER_GOAL_MS = 2;
const STRATEGIES = ['iron_condor', 'momentum', 'mean_reversion', 'covered_call', 'breakout'];

/** A seeded LCG: the same fills every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

const occ = (type: 'C' | 'P', strike: number) => `SPY260417${type}${String(strike * 1000).padStart(8, '0')}`;
const LEGS: ['buy' | 'sell', string][] = [
  ['buy', occ('P', 490)],
  ['sell', occ('P', 495)],
  ['sell', occ('C', 520)],
  ['buy', occ('C', 525)],
];

/**
 * 100k fills: 40 equities trading around a random walk (whole and fractional shares, fees known
 * or not), every 50th event a 4-leg iron condor opened as one mleg order or closed leg by leg.
 */
export function syntheticFills(count: number, seed = 7): Fill[] {
  const rnd = lcg(seed);
  const tickers = Array.from({ length: 40 }, (_, i) => `S${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`);
  const prices = tickers.map(() => 20 + rnd() * 300);
  const fills: Fill[] = [];
  let ms = Date.parse('2025-01-02T14:30:00Z');
  let condorOpen = false;
  for (let e = 0; fills.length < count; e++) {
    ms += 1000;
    const at = new Date(ms).toISOString();
    if (e % 50 === 49) {
      const parent = condorOpen ? null : `m${e}`;
      for (const [side, symbol] of LEGS) {
        const closeSide = side === 'buy' ? 'sell' : 'buy';
        fills.push({
          id: `f${fills.length}`,
          order_id: `o${e}-${symbol.slice(-9)}`,
          client_order_id: `c${e}`,
          symbol,
          side: condorOpen ? closeSide : side,
          qty: 2,
          price: Math.round((0.2 + rnd() * 2) * 100) / 100,
          fee: 0.05,
          at,
          parent_order_id: parent,
        });
      }
      condorOpen = !condorOpen;
      continue;
    }
    const k = Math.floor(rnd() * tickers.length);
    prices[k]! *= Math.exp((rnd() - 0.5) * 0.004);
    const qty = rnd() < 0.1 ? (1 + Math.round(rnd() * 1e6)) / 1e4 : 1 + Math.floor(rnd() * 50);
    fills.push({
      id: `f${fills.length}`,
      order_id: `o${e}`,
      client_order_id: `c${e}`,
      symbol: tickers[k]!,
      side: rnd() < 0.5 ? 'buy' : 'sell',
      qty,
      price: Math.round(prices[k]! * 100) / 100,
      fee: rnd() < 0.2 ? null : 0.01,
      at,
    });
  }
  return fills.slice(0, count);
}

type Timing = { wallMs: number; cpuMs: number };

/** Contenders timed in turns (a, b, a, b, …) so all see the same load: the median wall and CPU time of each. */
function paired(runs: number, ...fns: Array<() => void>): Timing[] {
  const times = fns.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let r = 0; r < runs; r++) {
    fns.forEach((fn, k) => {
      const one = timed(1, fn);
      times[k]!.wall.push(one.wallMs);
      times[k]!.cpu.push(one.cpuMs);
    });
  }
  return times.map((t) => ({ wallMs: summarize(t.wall).p50, cpuMs: summarize(t.cpu).p50 }));
}

/** paired() for asynchronous bodies (a refresh through the asynchronous store). */
async function pairedAsync(
  runs: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<[{ wallMs: number; cpuMs: number }, { wallMs: number; cpuMs: number }]> {
  const times = [a, b].map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let r = 0; r < runs; r++) {
    for (const [k, fn] of [a, b].entries()) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fn();
      times[k]!.wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      times[k]!.cpu.push((c.user + c.system) / 1000);
    }
  }
  const [x, y] = times.map((t) => ({ wallMs: summarize(t.wall).p50, cpuMs: summarize(t.cpu).p50 }));
  return [x!, y!];
}

/** Median wall time over `runs`, and the median CPU time of the process (user + system, GC threads included). */
function timed(runs: number, fn: () => void): { wallMs: number; cpuMs: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wallMs: summarize(wall).p50, cpuMs: summarize(cpu).p50 };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const SIM_CLOCK = '2026-03-10T15:30:00.000Z';
const TOOL_TRIPS = 300;

/** 300 round trips of the profile's strategies in SPY, QQQ and AAPL, each opening order with its metadata. */
function toolTrips(strategies: readonly string[]): { fills: Fill[]; meta: Array<{ c: string; strategy: string; trend: string; volatility: string }> } {
  const rnd = lcg(11);
  const fills: Fill[] = [];
  const meta: Array<{ c: string; strategy: string; trend: string; volatility: string }> = [];
  let ms = Date.parse('2025-06-02T14:30:00Z');
  for (let i = 0; i < TOOL_TRIPS; i++) {
    const symbol = ['SPY', 'QQQ', 'AAPL'][i % 3]!;
    const price = 100 + Math.round(rnd() * 40000) / 100;
    const exit = Math.round(price * (1 + (rnd() - 0.48) * 0.04) * 100) / 100;
    for (const [side, p, k] of [
      ['buy', price, 'o'],
      ['sell', exit, 'x'],
    ] as const) {
      ms += 60_000;
      fills.push({
        id: `t${i}${k}`,
        order_id: `${k}${i}`,
        client_order_id: `c-${k}${i}`,
        symbol,
        side,
        qty: 10,
        price: p,
        fee: 0,
        at: new Date(ms).toISOString(),
      });
    }
    meta.push({
      c: `c-o${i}`,
      strategy: strategies[i % strategies.length]!,
      trend: ['up', 'down', 'mixed'][i % 3]!,
      volatility: ['high', 'normal', 'low'][Math.floor(i / 3) % 3]!,
    });
  }
  return { fills, meta };
}

/** select_strategy through its handler (what an MCP call runs after input validation), p50 over `n` calls. */
async function selectThroughTool(n: number): Promise<{ ms: ReturnType<typeof summarize>; firstMs: number; trips: number; pick: string }> {
  const { bootstrap } = await import('../src/bootstrap.js');
  const { createLogger } = await import('../src/log.js');
  const { selectStrategyTool } = await import('../src/tools/select-strategy.js');
  const { accountKey } = await import('../src/memory/ingest.js');
  const { SqliteMemory } = await import('../src/memory/store/sqlite.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'tars-bench-select-'));
  const deps = bootstrap(
    { 'data-dir': dataDir, profile: 'analyst' },
    { PATH: process.env.PATH ?? '', TRADING_MCP_SIM_CLOCK: SIM_CLOCK },
    createLogger('error', {}, () => undefined),
  );
  try {
    // seeded through the file's synchronous handle (one transaction), closed before the tool opens it
    const store = await SqliteMemory.open(dataDir);
    const account = accountKey(deps);
    const { fills, meta } = toolTrips(deps.profile.strategies.map((s) => s.id));
    store.batch(() => {
      store.addFills(account, fills, null, new Date());
      for (const m of meta) {
        store.recordMeta(
          account,
          { client_order_id: m.c, broker_order_id: null, symbol: null, strategy: m.strategy, tags: [], rationale: null, audit_id: null },
          new Date(),
        );
        store.setRegime(account, m.c, { trend: m.trend, volatility: m.volatility });
      }
    });
    store.close();
    const ctx = { deps, signal: new AbortController().signal, progress: async () => undefined, elicit: async () => null };
    const call = (i: number) => selectStrategyTool.handler({ symbol: 'SPY', seed: i }, ctx);
    const t0 = performance.now();
    let last = await call(0);
    const firstMs = performance.now() - t0;
    for (let i = 0; i < 30; i++) last = await call(i);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      last = await call(i);
      out.push(performance.now() - t0);
    }
    const structured = (last as { structured: { pick: string; arms: Array<{ trades: number }> } }).structured;
    return { ms: summarize(out), firstMs, trips: structured.arms.reduce((a, x) => a + x.trades, 0), pick: structured.pick };
  } finally {
    await deps.close();
  }
}

/** The store a server would find: 100k fills and the gate's metadata of every order, in one data dir. */
async function seededStore(fills: readonly Fill[]) {
  const { SqliteMemory } = await import('../src/memory/store/sqlite.js');
  const store = await SqliteMemory.open(mkdtempSync(join(tmpdir(), 'tars-bench-memory-')));
  const at = new Date();
  store.addFills(ACCOUNT, fills, null, at);
  const orders = [...new Set(fills.map((f) => f.client_order_id))];
  store.batch(() =>
    orders.forEach((c, i) => {
      const meta = {
        client_order_id: c,
        broker_order_id: null,
        symbol: null,
        strategy: STRATEGIES[i % STRATEGIES.length]!,
        tags: ['bench'],
        rationale: null,
        audit_id: null,
      };
      store.recordMeta(ACCOUNT, meta, at);
      if (i % 3) store.setRegime(ACCOUNT, c, { trend: i % 2 ? 'up' : 'down', volatility: 'high' });
    }),
  );
  return store;
}

/** Matching over 100k fills: in memory, cold from the store, and the warm step of 100 new fills. */
async function matching(fills: readonly Fill[], more: readonly Fill[]) {
  const { matchRoundTrips } = await import('../src/memory/round-trips.js');
  const { LiveMemory } = await import('../src/memory/live.js');
  // Strategy and regime by opening order, as the store's metadata supplies them.
  const meta = ({ order_id }: { order_id: string }) => {
    const h = Number.parseInt(order_id.slice(1), 10) || 0;
    return { strategy: STRATEGIES[h % STRATEGIES.length]!, regime: { trend: h % 3 ? 'up' : 'down', volatility: 'high' } };
  };
  const { matchRoundTrips: referenceMatch, RoundTripMatcher: ReferenceMatcher } = await import('../test/support/reference-matcher/round-trips.js');
  matchRoundTrips(fills, { metaOf: meta }); // JIT warm-up
  referenceMatch(fills, { metaOf: meta });
  let result = matchRoundTrips(fills, { metaOf: meta });
  let objects = 0;
  const [inMemory, inMemoryBefore, inMemoryObjects] = paired(
    REPEATS,
    () => {
      result = matchRoundTrips(fills, { metaOf: meta });
    },
    () => referenceMatch(fills, { metaOf: meta }),
    // the same match, then every closed trip and leg built as an object (what reading result.trips costs; the tools read the columns)
    () => {
      const all = matchRoundTrips(fills, { metaOf: meta });
      objects = all.trips.length + all.legTrips.length;
    },
  );
  const db = await seededStore(fills);
  const store = db.asStore();
  const before = () => new LiveMemory(() => new ReferenceMatcher({ unique: true }));
  await new LiveMemory().refresh(store, ACCOUNT); // warm-up
  await before().refresh(store, ACCOUNT);
  let live = new LiveMemory();
  const [cold, coldBefore] = await pairedAsync(
    REPEATS,
    async () => {
      live = new LiveMemory();
      await live.refresh(store, ACCOUNT);
    },
    () => before().refresh(store, ACCOUNT),
  );
  // the cold path's parts: reading the 100k fills and the order metadata from memory.sqlite
  const readFills = timed(REPEATS, () => db.fillsAfter(ACCOUNT, 0));
  const readMeta = timed(REPEATS, () => db.metaSince(ACCOUNT, 0));
  const steps: number[] = [];
  let exact = true;
  for (let i = 0; i < STEPS; i++) {
    db.addFills(ACCOUNT, more.slice(i * STEP_FILLS, (i + 1) * STEP_FILLS), null, new Date());
    const t0 = performance.now();
    const view = await live.refresh(store, ACCOUNT);
    steps.push(performance.now() - t0);
    if (i === STEPS - 1) {
      const byClient = new Map(db.metaSince(ACCOUNT, 0).rows.map((r) => [r.client_order_id, r]));
      const full = matchRoundTrips(db.fillsAfter(ACCOUNT, 0).fills, { metaOf: (o) => byClient.get(o.client_order_id) });
      exact = JSON.stringify(view.match) === JSON.stringify(full);
    }
  }
  db.close();
  return {
    result,
    inMemory: inMemory!,
    inMemoryBefore: inMemoryBefore!,
    inMemoryObjects: inMemoryObjects!,
    objects,
    cold: cold!,
    coldBefore: coldBefore!,
    readFills,
    readMeta,
    steps: summarize(steps),
    exact,
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const { selectStrategy } = await import('../src/memory/sampler.js');
  const stream = syntheticFills(FILLS + STEPS * STEP_FILLS);
  const fills = stream.slice(0, FILLS);
  let sink = 0;
  const { wallMs: baselineMs } = timed(21, () => {
    let cash = 0;
    for (const f of fills) cash += (f.side === 'sell' ? 1 : -1) * f.qty * f.price;
    sink += cash;
  });
  const m = await matching(fills, stream.slice(FILLS));
  const result = m.result;

  const trips = result.trips.slice(0, 300);
  const arms = STRATEGIES.map((id) => ({ id, prior: { alpha: 1, beta: 1 } }));
  const regime = { trend: 'up', volatility: 'high' };
  for (let i = 0; i < 200; i++) selectStrategy({ arms, trips, regime, seed: i });
  const samplerUs: number[] = [];
  const countUs: number[] = [];
  for (let i = 0; i < 2000; i++) {
    let t0 = performance.now();
    sink += selectStrategy({ arms, trips, regime, seed: i }).arms.length;
    samplerUs.push((performance.now() - t0) * 1000);
    t0 = performance.now();
    const wins = new Map<string, number>();
    for (const t of trips) if (t.regime?.trend === 'up' && t.realized_pnl > 0) wins.set(t.strategy!, (wins.get(t.strategy!) ?? 0) + 1);
    sink += wins.size;
    countUs.push((performance.now() - t0) * 1000);
  }
  // A machine-speed yardstick to read the absolute figures by: sorting a million doubles.
  const doubles = new Float64Array(1_000_000).map((_, i) => ((i * 2654435761) % 1_000_003) / 1_000_003);
  const { wallMs: sortMs } = timed(3, () => {
    sink += doubles.slice().sort()[0]!;
  });
  if (sink === 42) process.stderr.write(''); // keep the work observable to the optimiser
  const tool = await selectThroughTool(300);
  const sampler = summarize(samplerUs);
  const counting = summarize(countUs);
  return {
    fills: FILLS,
    trips: result.trips.length,
    leg_trips: result.legTrips.length,
    open_lots: result.lots.length,
    match_goal_ms: MATCH_GOAL_MS,
    // new = src/memory/round-trips.ts (columns); before = test/support/reference-matcher (the object-per-fill matcher it replaced), timed in turns
    match_in_memory_ms: round2(m.inMemory.wallMs),
    match_in_memory_cpu_ms: round2(m.inMemory.cpuMs),
    match_in_memory_before_ms: round2(m.inMemoryBefore.wallMs),
    match_in_memory_before_cpu_ms: round2(m.inMemoryBefore.cpuMs),
    match_in_memory_vs_before: ratio(m.inMemory.wallMs, m.inMemoryBefore.wallMs),
    match_in_memory_within_goal: m.inMemory.wallMs < MATCH_GOAL_MS,
    match_in_memory_cpu_within_goal: m.inMemory.cpuMs < MATCH_GOAL_MS,
    // the same match with every closed trip and leg then built as an object (result.trips read): trips stay columns until read
    match_in_memory_with_trip_objects_ms: round2(m.inMemoryObjects.wallMs),
    match_in_memory_with_trip_objects_cpu_ms: round2(m.inMemoryObjects.cpuMs),
    match_in_memory_trip_objects_built: m.objects,
    match_cold_from_store_ms: round2(m.cold.wallMs),
    match_cold_from_store_cpu_ms: round2(m.cold.cpuMs),
    match_cold_from_store_before_ms: round2(m.coldBefore.wallMs),
    match_cold_from_store_before_cpu_ms: round2(m.coldBefore.cpuMs),
    match_cold_vs_before: ratio(m.cold.wallMs, m.coldBefore.wallMs),
    match_cold_within_goal: m.cold.wallMs < MATCH_GOAL_MS,
    cold_read_fills_ms: round2(m.readFills.wallMs),
    cold_read_meta_ms: round2(m.readMeta.wallMs),
    incremental_step_fills: STEP_FILLS,
    incremental_step_ms: m.steps,
    incremental_within_goal: m.steps.p50 < MATCH_GOAL_MS,
    incremental_equals_full_rematch: m.exact,
    baseline_sum_loop_ms: Math.round(baselineMs * 1000) / 1000,
    match_in_memory_vs_baseline: ratio(m.inMemory.wallMs, baselineMs),
    match_cold_vs_baseline: ratio(m.cold.wallMs, baselineMs),
    incremental_step_p50_vs_baseline: ratio(m.steps.p50, baselineMs),
    select_strategy_tool_ms: tool.ms,
    select_strategy_tool_first_call_ms: round2(tool.firstMs),
    select_strategy_tool_trips_in_regime: tool.trips,
    select_strategy_tool_trips_stored: TOOL_TRIPS,
    select_strategy_tool_within_goal: tool.ms.p50 < SAMPLER_GOAL_MS,
    select_strategy_tool_vs_draw_p50: ratio(tool.ms.p50 * 1000, summarize(samplerUs).p50),
    sampler_arms: arms.length,
    sampler_trips: trips.length,
    sampler_us: sampler,
    sampler_goal_ms: SAMPLER_GOAL_MS,
    sampler_within_goal: sampler.p50 / 1000 < SAMPLER_GOAL_MS,
    baseline_count_wins_us: counting,
    sampler_vs_baseline_p50: ratio(sampler.p50, counting.p50),
    yardstick_sort_1m_doubles_ms: Math.round(sortMs * 10) / 10,
    load_average_1m: Math.round(loadavg()[0]! * 100) / 100,
  };
}
