/**
 * Money safety of a critical tier with its own provider (SPEC §6, §11, §15), at the gate: the real sim broker,
 * the real router, and two loopback OpenAI-compatible servers — the gateway and a direct provider (as the
 * critical tier straight to Anthropic) — in both arrangements: direct first with the gateway as fallback, and
 * the gateway first with direct as fallback. Every fault is injected on one side or both; each case counts
 * the broker's orders and each side's confirmation requests. What must hold on every path:
 *   - an order reaches the broker only on a well-formed APPROVE, bound to the order's hash, served by the
 *     Claude Opus model asked for (a substitution, even an approving one, is refused there and fails over);
 *   - a fallback never lets a non-Opus model confirm; a reply that is an answer (REJECT, a wrong hash,
 *     implausible usage) is final and is not shopped around to the other provider;
 *   - both providers failing fails closed: no order;
 *   - the critical envelope (daily cap, confirmations per hour) counts every path and, spent, sends nothing anywhere.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getBroker } from '../../../src/broker/index.js';
import { ToolError } from '../../../src/errors.js';
import type { PlaceOrderResult } from '../../../src/execution/result.js';
import { getLedger } from '../../../src/llm/index.js';
import { isOpusModel } from '../../../src/llm/tiers.js';
import { approve, BUY_AAPL, reject, startHarness, tempDir, type Harness, type HarnessOptions } from '../../support/execution-harness.js';
import { orderHashIn, startFakeGateway, type Behaviour, type FakeGateway, type GatewayRequest } from '../../support/fake-gateway.js';
import { writeTiers } from '../llm/helpers.js';

const open: Array<{ close(): Promise<void> }> = [];
const closeAll = async () => {
  while (open.length) await open.pop()!.close();
};
afterEach(closeAll);

type Side = 'gateway' | 'anthropic';
const ARRANGEMENTS: Array<{ name: string; providers: [Side, Side] }> = [
  { name: 'direct first, the gateway as fallback', providers: ['anthropic', 'gateway'] },
  { name: 'the gateway first, direct as fallback', providers: ['gateway', 'anthropic'] },
];

/** A fault one side answers every confirmation with; `ends`: the code it ends the call with, or null: the router fails over. */
interface Fault {
  name: string;
  behaviour: (req: GatewayRequest) => Behaviour;
  ends: 'submitted' | 'CONFIRMATION_REJECTED' | 'CONFIRMATION_INVALID' | 'CONFIRMATION_UNAVAILABLE' | null;
  /** When it is the last endpoint's failure: the code the order is refused with. */
  last?: 'CONFIRMATION_INVALID' | 'CONFIRMATION_UNAVAILABLE';
}

const WRONG_HASH = 'f'.repeat(64);
const FAULTS: Fault[] = [
  { name: 'approves', behaviour: (req) => ({ content: approve(req) }), ends: 'submitted' },
  { name: 'rejects', behaviour: (req) => ({ content: reject(req) }), ends: 'CONFIRMATION_REJECTED' },
  {
    name: 'approves another hash',
    behaviour: () => ({ content: JSON.stringify({ decision: 'APPROVE', order_hash: WRONG_HASH, reasons: ['fine'] }) }),
    ends: 'CONFIRMATION_INVALID',
  },
  { name: 'over-reports usage', behaviour: (req) => ({ content: approve(req), overReportUsage: 10 }), ends: 'CONFIRMATION_UNAVAILABLE' },
  { name: 'answers 500', behaviour: () => ({ status: 500 }), ends: null, last: 'CONFIRMATION_UNAVAILABLE' },
  { name: 'resets the connection', behaviour: () => ({ reset: true }), ends: null, last: 'CONFIRMATION_UNAVAILABLE' },
  { name: 'answers truncated JSON', behaviour: () => ({ malformed: true }), ends: null, last: 'CONFIRMATION_UNAVAILABLE' },
  { name: 'approves as Sonnet', behaviour: (req) => ({ content: approve(req), model: 'claude-sonnet-4-5' }), ends: null, last: 'CONFIRMATION_INVALID' },
  { name: 'approves as gpt-4o', behaviour: (req) => ({ content: approve(req), model: 'gpt-4o' }), ends: null, last: 'CONFIRMATION_INVALID' },
  { name: 'approves naming no model', behaviour: (req) => ({ content: approve(req), model: '' }), ends: null, last: 'CONFIRMATION_UNAVAILABLE' },
];

interface Setup {
  h: Harness;
  servers: Record<Side, FakeGateway>;
}

async function setup(providers: [Side, Side], opts: Partial<HarnessOptions> = {}): Promise<Setup> {
  const gateway = await startFakeGateway({ apiKey: 'test-key' });
  const anthropic = await startFakeGateway({ apiKey: 'anthropic-key' });
  open.push(gateway, anthropic);
  const tiersPath = writeTiers(tempDir('tars-conf-providers-'), (t) => {
    t.providers = { anthropic: { baseUrl: anthropic.url, keyEnv: 'TEST_ANTHROPIC_KEY', listsModels: true } };
    t.tiers.critical.providers = providers;
  });
  const h = await startHarness({
    gatewayUrl: gateway.url,
    tiersPath,
    llm: { env: { TEST_ANTHROPIC_KEY: 'anthropic-key' }, retry: { maxAttempts: 0 } },
    ...opts,
  });
  open.push(h);
  return { h, servers: { gateway, anthropic } };
}

const answerWith = (server: FakeGateway, fault: Fault) => server.script((req) => (req.path.endsWith('/chat/completions') ? fault.behaviour(req) : undefined));
const confirmations = (server: FakeGateway) => server.requests.filter((r) => r.path.endsWith('/chat/completions'));
const brokerOrders = async (h: Harness) => (await getBroker(h.deps)).listOrders({ status: 'all', limit: 500 });

async function place(h: Harness, id: string, qty = 1): Promise<{ code: string; result: PlaceOrderResult }> {
  try {
    return { code: 'submitted', result: await h.gate.place({ ...BUY_AAPL, qty, client_order_id: id }) };
  } catch (err) {
    if (err instanceof ToolError) return { code: err.code, result: err.details as unknown as PlaceOrderResult };
    throw err;
  }
}

/** The expected end of a confirmation when the primary answers with `p` and the fallback with `f` (endpoints model-major: 4-6 here, 4-6 there, 4-5 here, 4-5 there). */
function expected(p: Fault, f: Fault): { code: string; decidedBy: 'primary' | 'fallback' | null; requests: [number, number] } {
  if (p.ends) return { code: p.ends, decidedBy: 'primary', requests: [1, 0] };
  if (f.ends) return { code: f.ends, decidedBy: 'fallback', requests: [1, 1] };
  return { code: f.last!, decidedBy: null, requests: [2, 2] };
}

// the primary's every fault against the fallback approving; the failing-over faults against every fallback fault
const CASES = FAULTS.flatMap((p) => (p.ends ? [[p, FAULTS[0]!] as const] : FAULTS.map((f) => [p, f] as const)));

describe.each(ARRANGEMENTS)('the critical tier with its own provider: $name', ({ providers }) => {
  it(`fault injection (${CASES.length} cases): an order only on an Opus APPROVE of its own hash, whichever path answered; else none`, async () => {
    const rows: string[] = [];
    let submitted = 0;
    for (const [p, f] of CASES) {
      await closeAll();
      const { h, servers } = await setup(providers);
      const [primary, fallback] = [servers[providers[0]], servers[providers[1]]];
      answerWith(primary, p);
      answerWith(fallback, f);
      const out = await place(h, 'prov-1');
      const want = expected(p, f);
      const orders = await brokerOrders(h);
      const label = `primary ${p.name}, fallback ${f.name}`;
      rows.push(label);
      expect(out.code, label).toBe(want.code);
      expect([confirmations(primary).length, confirmations(fallback).length], label).toEqual(want.requests);
      expect(orders, label).toHaveLength(want.code === 'submitted' ? 1 : 0);
      if (want.code !== 'submitted') {
        expect(out.result.stopped_at, label).toBe('confirmation');
        continue;
      }
      submitted++;
      // the approving reply named the Opus model asked for and carried this order's hash, on the path that decided
      const decider = want.decidedBy === 'primary' ? primary : fallback;
      const approving = confirmations(decider).at(-1)!;
      expect(isOpusModel(out.result.confirmation!.model), label).toBe(true);
      expect(approving.servedModel, label).toBe(approving.model);
      expect(orderHashIn(approving), label).toBe(out.result.order_hash);
      const ledger = await (await getLedger(h.deps)).rowsForCall(out.result.confirmation!.call_id!);
      expect(
        ledger.filter((r) => r.state === 'settled' && r.outcome === 'ok').map((r) => r.provider),
        label,
      ).toEqual([want.decidedBy === 'primary' ? providers[0] : providers[1]]);
    }
    expect(rows).toHaveLength(CASES.length);
    // exactly the cases where some path's Opus approved this hash: the primary approving, or failing over to a fallback that approves
    expect(submitted).toBe(1 + FAULTS.filter((x) => !x.ends).length);
  }, 60_000);

  it('the critical daily cap binds both paths: spent, nothing is sent to either, no order', async () => {
    const { h, servers } = await setup(providers, { budget: { criticalDailyUsd: 0.00001 } });
    answerWith(servers.gateway, FAULTS[0]!);
    answerWith(servers.anthropic, FAULTS[0]!);
    const out = await place(h, 'cap-1');
    expect(out.code).toBe('BUDGET_EXHAUSTED');
    expect(out.result.stopped_at).toBe('confirmation');
    expect([confirmations(servers.gateway).length, confirmations(servers.anthropic).length]).toEqual([0, 0]);
    expect(await brokerOrders(h)).toHaveLength(0);
  });

  it('confirmations per hour count every path: one by the primary, one by the fallback, the third refused with nothing sent', async () => {
    const { h, servers } = await setup(providers, { maxConfirmationsPerHour: 2 });
    const [primary, fallback] = [servers[providers[0]], servers[providers[1]]];
    answerWith(fallback, FAULTS[0]!);
    answerWith(primary, FAULTS[0]!);
    expect((await place(h, 'hour-1', 1)).code).toBe('submitted');
    primary.resetBehaviours();
    answerWith(primary, FAULTS.find((x) => x.name === 'answers 500')!);
    expect((await place(h, 'hour-2', 2)).code).toBe('submitted');
    expect([confirmations(primary).length, confirmations(fallback).length]).toEqual([2, 1]);
    const third = await place(h, 'hour-3', 3);
    expect(third.code).toBe('BUDGET_EXHAUSTED');
    expect([confirmations(primary).length, confirmations(fallback).length]).toEqual([2, 1]);
    expect(await brokerOrders(h)).toHaveLength(2);
  });
});
