/**
 * Execution gate bench: >= 1,000 randomised, fault-injected place_order trials in-process against
 * the loopback Alpaca (real adapter over HTTP) and the loopback gateway (real router).
 *
 * Unsafe execution = an order the broker accepted whose hash Opus did not approve, or that the risk
 * check refuses (a denied symbol), or a client_order_id accepted or POSTed more than once. Goal: 0.
 * Latency: the gate's own time per attempt (total minus the model call), p50; baseline in the same
 * run: a bare broker.submitOrder against the same loopback Alpaca.
 */
import { performance } from 'node:perf_hooks';
import { prng as rng } from '../src/broker/sim/path.js';
import { getBroker } from '../src/broker/index.js';
import { ToolError } from '../src/errors.js';
import { getGateStore } from '../src/execution/gate-store.js';
import { normalizeOrder, orderHash, OrderInputSchema } from '../src/orders/order.js';
import { approve, startHarness } from '../test/support/execution-harness.js';
import { startFakeAlpaca, type FailRule } from '../test/support/fake-alpaca.js';
import { orderHashIn, startFakeGateway, type Behaviour, type GatewayRequest } from '../test/support/fake-gateway.js';
import { ratio, summarize } from './stats.js';

function pick<T>(rand: () => number, weighted: Array<[T, number]>): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let x = rand() * total;
  for (const [v, w] of weighted) {
    x -= w;
    if (x < 0) return v;
  }
  return weighted[weighted.length - 1]![0];
}

const CONFIRMATIONS: Array<[string, number]> = [
  ['approve', 50],
  ['reject', 10],
  ['prose', 6],
  ['extra_keys', 6],
  ['wrong_hash', 8],
  ['substituted', 8],
  ['http_500', 8],
  ['hang', 1],
  ['malformed', 3],
];
const replyFor = (kind: string, req: GatewayRequest): Behaviour => {
  const hash = orderHashIn(req);
  switch (kind) {
    case 'approve':
      return { content: approve(req) };
    case 'reject':
      return { content: JSON.stringify({ decision: 'REJECT', order_hash: hash, reasons: ['no'] }) };
    case 'prose':
      return { content: 'Approved, go ahead.' };
    case 'extra_keys':
      return { content: JSON.stringify({ decision: 'APPROVE', order_hash: hash, reasons: [], confidence: 0.9 }) };
    case 'wrong_hash':
      return { content: JSON.stringify({ decision: 'APPROVE', order_hash: 'f'.repeat(64), reasons: [] }) };
    case 'substituted':
      return { content: approve(req), model: 'claude-sonnet-4-5' };
    case 'http_500':
      return { status: 500 };
    case 'hang':
      return { hang: true };
    default:
      return { malformed: true };
  }
};

const POST = { method: 'POST', path: '/v2/orders', api: 'trading' as const };
const FAULTS: Array<[FailRule | null, number]> = [
  [null, 55],
  [{ ...POST, status: 403 }, 7],
  [{ ...POST, status: 422, body: { code: 42210000, message: 'invalid order' } }, 7],
  [{ ...POST, status: 500 }, 7],
  [{ ...POST, status: 503 }, 3],
  [{ ...POST, mode: 'accept-then-status', status: 504 }, 7],
  [{ ...POST, mode: 'accept-then-reset' }, 5],
  [{ ...POST, mode: 'reset' }, 5],
  [{ ...POST, mode: 'hang' }, 1],
  [{ ...POST, mode: 'accept-then-hang' }, 1],
  [{ api: 'trading', method: 'GET', path: '/v2/account', status: 500 }, 2],
];

export async function run(): Promise<Record<string, unknown>> {
  const trials = Number(process.env.BENCH_EXECUTION_TRIALS ?? 1000);
  const rand = rng(Number(process.env.BENCH_SEED ?? 20260310));
  const alpaca = await startFakeAlpaca();
  const gw = await startFakeGateway();
  let confirmation = 'approve';
  const approvedHashes = new Set<string>();
  gw.script((req) => {
    if (!req.path.endsWith('/chat/completions')) return undefined;
    if (confirmation === 'approve') approvedHashes.add(orderHashIn(req)!);
    return replyFor(confirmation, req);
  });
  const h = await startHarness({
    gatewayUrl: gw.url,
    alpaca: { baseUrl: alpaca.tradingUrl, dataUrl: alpaca.dataUrl, timeoutMs: 1_000, rateLimitPerMin: 1_000_000 },
    rejectCooldownSec: 0,
    gate: { confirmationTimeoutMs: 800, brokerTimeoutMs: 5_000 },
    // the real router with fast retries and its circuit breaker effectively off: injected gateway
    // faults would otherwise open the critical circuit (which then stays open; see the report) and
    // starve the broker-fault half of the bench
    llm: { breaker: { consecutiveFailures: 1_000_000 }, retry: { initialDelayMs: 5, maxDelayMs: 20 } },
  });
  try {
    // baseline: a bare broker submission against the same loopback Alpaca
    const broker = await getBroker(h.deps);
    const direct: number[] = [];
    for (let i = 0; i < 100; i++) {
      const base = normalizeOrder(OrderInputSchema.parse({ symbol: 'MSFT', side: 'buy', qty: 1, type: 'market', time_in_force: 'day' }));
      const t = performance.now();
      await broker.submitOrder({ ...base, client_order_id: `baseline-${i}` });
      direct.push(performance.now() - t);
    }
    const baselineIds = new Set(alpaca.submittedOrders.map((o) => o.client_order_id));

    const usedIds: string[] = [];
    const counts: Record<string, number> = {};
    const started = performance.now();
    for (let i = 0; i < trials; i++) {
      confirmation = pick(rand, CONFIRMATIONS);
      alpaca.clearFailures();
      const fault = pick(rand, FAULTS);
      if (fault) alpaca.fail(fault);
      const symbol = pick(rand, [
        ['AAPL', 45],
        ['MSFT', 45],
        ['ZZZZ', 10],
      ] as Array<[string, number]>);
      const reuse = usedIds.length > 0 && rand() < 0.15;
      const cid = reuse ? usedIds[Math.floor(rand() * usedIds.length)]! : rand() < 0.8 ? `b-${i}` : null;
      if (cid && !reuse) usedIds.push(cid);
      const input = {
        symbol,
        side: rand() < 0.8 ? 'buy' : 'sell',
        qty: 1 + Math.floor(rand() * 3),
        type: 'market',
        time_in_force: 'day',
        ...(cid ? { client_order_id: cid } : {}),
      };
      let outcome: string;
      try {
        outcome = (await h.gate.place(input)).status;
      } catch (err) {
        outcome = err instanceof ToolError ? err.code : 'CRASH';
        if (process.env.BENCH_DEBUG && err instanceof ToolError)
          process.stderr.write(`${i} ${confirmation} ${JSON.stringify(fault)} ${err.code} ${err.message.slice(0, 140)}\n`);
      }
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
    const elapsedS = (performance.now() - started) / 1000;
    alpaca.clearFailures();

    // the safety audit, from what the broker actually accepted
    let unsafe = 0;
    const problems: string[] = [];
    const accepted = alpaca.submittedOrders.filter((o) => !baselineIds.has(o.client_order_id));
    const seen = new Map<string, number>();
    for (const o of accepted) {
      seen.set(o.client_order_id, (seen.get(o.client_order_id) ?? 0) + 1);
      const given = o.client_order_id.startsWith('tmcp-') ? {} : { client_order_id: o.client_order_id };
      const received = OrderInputSchema.safeParse({
        symbol: o.symbol,
        side: o.side,
        qty: Number(o.qty),
        type: o.type,
        time_in_force: o.time_in_force,
        ...given,
      });
      const hash = received.success ? orderHash(normalizeOrder(received.data), 'paper') : null;
      if (!hash || !approvedHashes.has(hash)) unsafe++, problems.push(`not approved: ${o.client_order_id}`);
      if (o.symbol === 'ZZZZ') unsafe++, problems.push(`risk-refused symbol reached the broker: ${o.client_order_id}`);
    }
    for (const [id, n] of seen) if (n > 1) unsafe++, problems.push(`accepted ${n}×: ${id}`);
    const postsById = new Map<string, number>();
    for (const r of alpaca.requests) {
      if (r.method !== 'POST' || r.path !== '/v2/orders') continue;
      const id = (r.body as { client_order_id?: string }).client_order_id ?? '';
      if (!baselineIds.has(id)) postsById.set(id, (postsById.get(id) ?? 0) + 1);
    }
    for (const [id, n] of postsById) if (n > 1) unsafe++, problems.push(`POSTed ${n}×: ${id}`);

    const store = await getGateStore(h.deps);
    const audit = await store.recentAudit(trials);
    const gate = audit.map((a) => a.gate_latency_ms);
    const gateSubmitted = audit.filter((a) => a.status === 'submitted').map((a) => a.gate_latency_ms);
    const model = audit.map((a) => (a.confirmation as { latency_ms?: number | null } | null)?.latency_ms).filter((x): x is number => typeof x === 'number');
    const directStats = summarize(direct);
    const gateStats = summarize(gate);
    const submittedStats = summarize(gateSubmitted);
    return {
      trials,
      unsafe_executions: unsafe,
      unsafe_examples: problems.slice(0, 5),
      outcomes: counts,
      broker_accepted: accepted.length,
      approved_hashes: approvedHashes.size,
      trials_per_s: Math.round((trials / elapsedS) * 10) / 10,
      gate_ms_excluding_model_p50: gateStats.p50,
      gate_ms_excluding_model: gateStats,
      gate_ms_excluding_model_submitted: submittedStats,
      model_call_ms: summarize(model),
      baseline_direct_submit_ms: directStats,
      submitted_gate_vs_direct_submit_p50: ratio(submittedStats.p50, directStats.p50),
      router: 'real router; bench-only: circuit breaker off, retry backoff 5–20 ms',
      note: 'gate time includes its loopback broker reads (risk data, account snapshot), the claim, INTENT/OUTCOME fsyncs and the audit row; it excludes the Opus call',
    };
  } finally {
    await h.close();
    await alpaca.close();
    await gw.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`));
}
