/**
 * What the dashboard page shows, read from the stores the servers write on this data dir (any profile's):
 * LLM spend (today, this month, critical, by tier/model/tool, the downgrade step, routing, and the recent calls
 * for the spend-over-time chart), the order audit, councils, the arena, the halt and the approvals.
 * Read-only: the page's two writes (halt, an approval decision) go through server.ts.
 */
import type { Deps } from '../deps.js';

export async function dashboardState(deps: Deps): Promise<Record<string, unknown>> {
  const [{ usageReport }, { getLedger }, { getGateStore }, { getCouncilStore }, { getArenaStore }, { boardNow }, { getRiskState }, { getApprovalStore }] =
    await Promise.all([
      import('../llm/usage.js'),
      import('../llm/index.js'),
      import('../execution/gate-store.js'),
      import('../council/store.js'),
      import('../arena/store.js'),
      import('../arena/board.js'),
      import('../risk/state.js'),
      import('../execution/approvals.js'),
    ]);
  const now = new Date();
  const [usage, ledger, execution, council, arena, risk, approvals] = await Promise.all([
    usageReport(deps, 0),
    getLedger(deps),
    getGateStore(deps),
    getCouncilStore(deps),
    getArenaStore(deps),
    getRiskState(deps),
    getApprovalStore(deps),
  ]);
  // held symbols marked at the broker's mid, as get_leaderboard marks them (no broker: at cost, listed as unquoted)
  const prices = await (await import('../broker/index.js')).getBroker(deps).catch(() => null);
  const board = await boardNow(deps, arena, prices, { curves: true });
  return {
    at: now.toISOString(),
    dataDir: deps.dataDir,
    mode: deps.mode,
    usage,
    calls: (await ledger.recent(500)).map((r) => ({
      at: r.at,
      tier: r.tier,
      model: r.model_served ?? r.model_requested,
      tool: r.tool,
      costUsd: (r.state === 'reserved' ? r.reserved_nano : r.cost_nano) / 1e9,
    })),
    audit: { counts: await execution.auditCounts(), recent: await execution.recentAudit(50) },
    councils: await council.recent(20),
    arena: { leaderboard: board.rows, unquoted: board.unquoted, curves: board.curves, chat: await arena.chat({ limit: 30 }) },
    halt: await risk.isHalted(),
    approvals: { pending: await approvals.pending(now), recent: await approvals.recent(20) },
  };
}
