/** The ledger this process keeps: PostgreSQL when TRADING_MCP_DATABASE_URL is set, else SQLite under the data dir. */
import type { Deps } from '../../deps.js';
import { storeBackend } from '../../store/backend.js';
import type { BudgetLedger, LedgerBudgets } from '../ledger.js';

export async function openLedger(deps: Deps, budgets: LedgerBudgets, now?: () => Date): Promise<BudgetLedger> {
  if (storeBackend(deps) === 'postgres') {
    const [{ getPostgres }, { PgLedger }] = await Promise.all([import('../../store/postgres/index.js'), import('./postgres.js')]);
    return PgLedger.open((await getPostgres(deps)).pool, budgets, { now, where: (await getPostgres(deps)).where });
  }
  const { SqliteLedger } = await import('./sqlite.js');
  return new SqliteLedger(deps.dataDir, budgets, now);
}
