/**
 * The gate's added latency from lessons (SPEC §13; goal < 5 ms p50): per order, reading the
 * lesson files' snapshot, gathering the block rules and matching the prompt lessons
 * (lessons/for-order.ts), plus what the lesson_block check adds to a verdict — on the shipped
 * corpus with 200 user lesson files beside it (20 of them block rules). Baseline in the same
 * process: the risk stage without lessons (assessOrder on the sim broker). For comparison, one
 * LanceDB hybrid search (offline embedder) over the same lessons: what text relevance by the
 * search would have cost on the order path.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bootstrap } from '../src/bootstrap.js';
import { lessonRulesFor, lessonsForOrder } from '../src/lessons/for-order.js';
import { getLessonLibrary } from '../src/lessons/index.js';
import { createLessonService } from '../src/lessons/service.js';
import { createLogger } from '../src/log.js';
import { normalizeOrder, OrderInputSchema, type ParsedOrder } from '../src/orders/order.js';
import { evaluateRisk } from '../src/risk/engine.js';
import { assessOrder, gatherRiskInput } from '../src/risk/service.js';
import { ratio, summarize } from './stats.js';

const OPEN_AT = '2026-03-10T15:30:00.000Z';
const USER_FILES = 200;
const TOPICS = ['execution', 'options', 'risk', 'sizing', 'slippage', 'iron-condor', 'earnings', 'stale-quote', 'market-open', 'assignment'];
const SYMBOLS = ['SPY', 'QQQ', 'AAPL', 'MSFT', 'TSLA', 'NVDA', 'AMD'];

function writeUserLessons(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < USER_FILES; i++) {
    const tags = [TOPICS[i % TOPICS.length], TOPICS[(i * 7) % TOPICS.length]];
    const block = i % 10 === 0 ? `\nblock: {"underlying": "${SYMBOLS[i % SYMBOLS.length]}", "type": "stop", "minutes_to_close": {"lt": ${i % 30}}}` : '';
    writeFileSync(
      join(dir, `user-${i}.md`),
      `---\nid: user-lesson-${i}\ntitle: "User lesson ${i} about ${tags.join(' and ')}"\nseverity: medium\ntags: [${[...new Set(tags)].join(', ')}]\n` +
        `created: 2026-01-${String((i % 28) + 1).padStart(2, '0')}\nsymbols: [${SYMBOLS[i % SYMBOLS.length]}]${block}\n---\n` +
        `Lesson body ${i}: what happened on a ${tags[0]} trade and why it went wrong.\n\n## Prevention\n\nCheck ${tags[1]} first.\n`,
    );
  }
}

async function timeAsync(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(50, n); i++) await fn(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

export async function run(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tars-bench-lessons-gate-'));
  writeUserLessons(join(dataDir, 'lessons'));
  const deps = bootstrap(
    { 'data-dir': dataDir },
    { PATH: process.env.PATH ?? '', TRADING_MCP_SIM_CLOCK: OPEN_AT },
    createLogger('error', {}, () => undefined),
  );
  try {
    const orders: ParsedOrder[] = [
      OrderInputSchema.parse({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' }),
      OrderInputSchema.parse({ symbol: 'SPY', side: 'buy', qty: 2, type: 'limit', limit_price: 500 }),
      OrderInputSchema.parse({ symbol: 'TSLA', side: 'buy', qty: 1, type: 'stop', stop_price: 500 }),
    ];
    const pick = (i: number) => orders[i % orders.length]!;
    const n = Number(process.env.BENCH_LESSONS_GATE_N ?? 1000);

    const baseline = await timeAsync(Math.min(n, 300), (i) => assessOrder(deps, pick(i)));
    const lookup = await timeAsync(n, async (i) => {
      await lessonRulesFor(deps, pick(i));
      await lessonsForOrder(deps, pick(i), new Date(OPEN_AT));
    });
    const inputs = await Promise.all(orders.map((o) => gatherRiskInput(deps, normalizeOrder(o), new Date(OPEN_AT))));
    const rules = await Promise.all(orders.map((o) => lessonRulesFor(deps, o)));
    const withLessons = inputs.map((x, i) => ({ ...x, lessons: rules[i]! }));
    const bare = await timeAsync(n, async (i) => evaluateRisk(inputs[i % inputs.length]!));
    const checked = await timeAsync(n, async (i) => evaluateRisk(withLessons[i % withLessons.length]!));

    const search = await createLessonService(deps);
    await search.ingest();
    const searches = await timeAsync(100, (i) => search.search({ query: `${pick(i).symbol} ${pick(i).type} order`, k: 3 }));

    const lookupS = summarize(lookup);
    const checkDelta = Math.max(0, summarize(checked).p50 - summarize(bare).p50);
    const addedP50 = Math.round((lookupS.p50 + checkDelta) * 1000) / 1000;
    const baselineS = summarize(baseline);
    return {
      lesson_files: (await getLessonLibrary(deps)).snapshot().lessons.length,
      block_rules: rules[0]!.blocks.length,
      lookup_ms: lookupS,
      verdict_without_lessons_ms: summarize(bare),
      verdict_with_lessons_ms: summarize(checked),
      added_p50_ms: addedP50,
      goal_p50_ms: 5,
      meets_goal: addedP50 < 5,
      baseline_risk_stage_ms: baselineS,
      added_vs_risk_stage: ratio(addedP50, baselineS.p50),
      lancedb_hybrid_search_ms: summarize(searches),
    };
  } finally {
    await deps.close();
  }
}
