/** The budget ledger's contract, run on SQLite and (with TRADING_MCP_TEST_DATABASE_URL) on PostgreSQL. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import type { BudgetLedger, LedgerBudgets } from '../../../src/llm/ledger.js';
import { SqliteLedger } from '../../../src/llm/ledger/sqlite.js';
import { PgLedger } from '../../../src/llm/ledger/postgres.js';
import { openPostgres, type Postgres } from '../../../src/store/postgres/index.js';
import { contract, type StorePlace } from '../../support/backends.js';

const meta = (callId: string, tier = 'parse') => ({ callId, attempt: 1, tool: 'test', tier });
const usage = (costNano: number) => ({
  modelServed: 'm',
  inputTokens: 10,
  cachedInputTokens: 0,
  outputTokens: 5,
  reasoningTokens: 0,
  costNano,
  latencyMs: 3,
  outcome: 'ok' as const,
});

contract('the budget ledger', (backend) => {
  let place: StorePlace;
  let pg: Postgres | undefined;
  const open: BudgetLedger[] = [];
  const openLedger = async (budgets: LedgerBudgets): Promise<BudgetLedger> => {
    const ledger = place.databaseUrl ? await PgLedger.open(pg!.pool, budgets) : new SqliteLedger(place.dataDir, budgets);
    open.push(ledger);
    return ledger;
  };
  beforeEach(async () => {
    place = await backend.place();
    pg = place.databaseUrl ? await openPostgres(place.databaseUrl, { max: 20 }) : undefined;
  });
  afterEach(async () => {
    for (const l of open.splice(0)) await l.close();
    await pg?.pool.end();
    await place.cleanup();
  });

  it('reserves, settles to the reported cost, and a second settle or release changes nothing', async () => {
    const ledger = await openLedger({ dailyNano: 1_000, monthlyNano: 10_000 });
    const r = await ledger.reserve(meta('a'), () => ({ model: 'm', reserveNano: 400, step: 0, route: 'primary' }));
    expect((await ledger.view()).dayCommittedNano).toBe(400);
    expect((await ledger.settle(r.rowId, usage(150))).dayCommittedNano).toBe(150);
    await ledger.settle(r.rowId, usage(999));
    await ledger.release(r.rowId, { outcome: 'timeout', latencyMs: 1 });
    const view = await ledger.view();
    expect([view.dayCommittedNano, view.monthCommittedNano]).toEqual([150, 150]);
    expect(await ledger.rowsForCall('a')).toMatchObject([{ state: 'settled', cost_nano: 150, reserved_nano: 400, input_tokens: 10 }]);
  });

  it('a release gives the reservation back once; a refusal is recorded and costs nothing', async () => {
    const ledger = await openLedger({ dailyNano: 1_000, monthlyNano: 10_000 });
    const r = await ledger.reserve(meta('b'), () => ({ model: 'm', reserveNano: 300, step: 0, route: 'primary' }));
    await ledger.release(r.rowId, { outcome: 'timeout', latencyMs: 2 });
    await ledger.release(r.rowId, { outcome: 'timeout', latencyMs: 2 });
    await ledger.refuse(meta('c'), { modelRequested: 'm', outcome: 'budget_exhausted', error: 'no', step: 2 });
    expect((await ledger.view()).dayCommittedNano).toBe(0);
    expect((await ledger.recent(5)).map((x) => x.state)).toEqual(['refused', 'released']);
    const [tier] = await ledger.groupBy('tier', { day: (await ledger.view()).day });
    expect(tier).toMatchObject({ key: 'parse', calls: 2, attempts: 2, failed: 2, cost_nano: 0 });
  });

  it('a decide that throws writes nothing', async () => {
    const ledger = await openLedger({ dailyNano: 1_000, monthlyNano: 10_000 });
    const refuse = () => {
      throw new ToolError('BUDGET_EXHAUSTED', 'no');
    };
    await expect(ledger.reserve(meta('d'), refuse)).rejects.toMatchObject({ code: 'BUDGET_EXHAUSTED' });
    expect(await ledger.recent(5)).toEqual([]);
  });

  it('the critical envelope: its own day total and the confirmations of the last hour', async () => {
    const ledger = await openLedger({ dailyNano: 1_000, monthlyNano: 10_000, criticalDailyNano: 5_000 });
    for (const id of ['k1', 'k2']) {
      const r = await ledger.reserve(meta(id, 'critical'), () => ({ model: 'opus', reserveNano: 700, step: 0, route: 'primary' }));
      await ledger.settle(r.rowId, { ...usage(600), usageAnomaly: id === 'k2' ? 'too many tokens' : null });
    }
    const seen: number[] = [];
    await ledger.reserve(meta('k3', 'critical'), (v) => {
      seen.push(v.critical.confirmationsLastHour, v.critical.committedNano);
      return { model: 'opus', reserveNano: 100, step: 0, route: 'primary' };
    });
    expect(seen).toEqual([2, 1_200]);
    const view = await ledger.view();
    expect([view.critical.committedNano, view.dayCommittedNano, view.critical.confirmationsLastHour]).toEqual([1_300, 1_300, 3]);
    const a = await ledger.anomalies(view, 5);
    expect([a.today, a.month, a.recent.map((x) => x.call_id)]).toEqual([1, 1, ['k2']]);
    expect(await ledger.groupByTierModel({ month: view.month })).toMatchObject([
      { tier: 'critical', model: 'm', calls: 2 },
      { tier: 'critical', model: 'opus', calls: 1 },
    ]);
  });

  it('concurrent reservers (two ledgers, 40 calls) never commit past the budget', async () => {
    const budgets = { dailyNano: 1_000, monthlyNano: 100_000 };
    const ledgers = [await openLedger(budgets), await openLedger(budgets)];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        ledgers[i % 2]!.reserve(meta(`x${i}`), (v) => {
          if (v.dayLeftNano < 100) throw new ToolError('BUDGET_EXHAUSTED', 'spent');
          return { model: 'm', reserveNano: 100, step: 0, route: 'primary' };
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    expect((await ledgers[0]!.view()).dayCommittedNano).toBe(1_000);
  });
});
