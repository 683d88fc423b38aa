/**
 * The routing statistics store (stats/sqlite.ts): durable per tier × model, shared by the processes on one
 * data dir (each reads the others' rows incrementally), agreements landing on the call they judge.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteRoutingStats } from '../../../src/llm/stats/sqlite.js';
import { KEEP_RECENT, quantile, type ObservationInput } from '../../../src/llm/stats/store.js';
import { tempDataDir } from '../../support/client.js';

const open: SqliteRoutingStats[] = [];
afterEach(() => {
  while (open.length) open.pop()!.close();
});

function store(dir: string, now = () => Date.now()): SqliteRoutingStats {
  const s = new SqliteRoutingStats(dir, 0, now);
  open.push(s);
  return s;
}

const attempt = (over: Partial<ObservationInput> = {}): ObservationInput => ({
  tier: 'parse',
  model: 'deepseek-v3.2',
  provider: 'gateway',
  callId: `c-${Math.random()}`,
  at: Date.now(),
  outcome: 'ok',
  valid: true,
  latencyMs: 100,
  inputTokens: 10,
  cachedTokens: 0,
  outputTokens: 5,
  costNano: 1000,
  ...over,
});

describe('routing statistics (SQLite)', () => {
  it('one process sees another’s observations and agreements at its next refresh', async () => {
    const dir = tempDataDir('tars-stats-');
    const a = store(dir);
    const b = store(dir);
    await a.record(attempt({ callId: 'x1' }));
    await a.record(attempt({ callId: 'x2', valid: false }));
    await b.refresh();
    expect(b.recent('parse', 'deepseek-v3.2').map((o) => o.valid)).toEqual([true, false]);
    expect(await a.recordAgreement('x1', true)).toBe(true);
    await b.refresh();
    expect(b.recent('parse', 'deepseek-v3.2').map((o) => o.agreed)).toEqual([true, null]);
    await a.refresh();
    // own observations are not counted twice when read back
    expect(a.recent('parse', 'deepseek-v3.2')).toHaveLength(2);
  });

  it('observations of one turn land in one commit, after the turn; agreements and readers see them at once', async () => {
    const dir = tempDataDir('tars-stats-');
    const a = store(dir);
    const file = new Database(a.path, { readonly: true });
    const rows = () => (file.prepare('SELECT COUNT(*) AS n FROM observations').get() as { n: number }).n;
    const written = Array.from({ length: 8 }, (_, i) => a.record(attempt({ callId: `m${i}` })));
    expect(a.recent('parse', 'deepseek-v3.2')).toHaveLength(8); // in memory at once
    expect(rows()).toBe(0); // a council's members answering together: not one commit each
    await Promise.all(written);
    expect(rows()).toBe(8);
    void a.record(attempt({ callId: 'late' }));
    expect(await a.recordAgreements([{ callId: 'late', agreed: true }])).toBe(1); // written first, then agreed with
    file.close();
  });

  it('an agreement for an unknown or failed call is refused; the summary counts signals per kind', async () => {
    const s = store(tempDataDir('tars-stats-'));
    await s.record(attempt({ callId: 'f', outcome: 'failed', valid: false, latencyMs: 5000 }));
    await s.record(attempt({ callId: 'ok1', latencyMs: 200, costNano: 3000 }));
    await s.record(attempt({ callId: 'ok2', valid: null, latencyMs: 400, costNano: 5000 }));
    expect([await s.recordAgreement('nope', true), await s.recordAgreement('f', true), await s.recordAgreement('ok2', false)]).toEqual([false, false, true]);
    const [row] = await s.summary();
    expect(row).toMatchObject({ tier: 'parse', model: 'deepseek-v3.2', calls: 3, failed: 1, validN: 2, validRate: 0.5, agreementN: 1, agreementRate: 0 });
    expect(row!.quality).toBeCloseTo(1 / 3, 10);
    expect(row!.meanCostUsd).toBeCloseTo(4e-6, 12);
    expect([row!.latencyP50Ms, row!.latencyP95Ms]).toEqual([200, 400]);
  });

  it('keeps at most KEEP_RECENT observations per model in memory, the newest', async () => {
    const dir = tempDataDir('tars-stats-');
    const s = store(dir);
    for (let i = 0; i < KEEP_RECENT + 300; i++) await s.record(attempt({ callId: `k${i}`, latencyMs: i }));
    const kept = s.recent('parse', 'deepseek-v3.2');
    expect(kept.length).toBeLessThanOrEqual(KEEP_RECENT * 1.25);
    expect(kept.at(-1)!.latencyMs).toBe(KEEP_RECENT + 299);
    // a new process loads exactly the newest KEEP_RECENT
    const fresh = store(dir).recent('parse', 'deepseek-v3.2');
    expect([fresh.length, fresh[0]!.latencyMs]).toEqual([KEEP_RECENT, 300]);
  });

  it('quantile: nearest rank', () => {
    expect([quantile([], 0.5), quantile([3, 1, 2], 0.5), quantile([1, 2, 3, 4], 0.95), quantile([5], 0.95)]).toEqual([null, 2, 4, 5]);
  });
});
