/**
 * The tier table a running router uses: the file (shipped, or TRADING_MCP_TIERS), read again when it
 * changes — its mtime or size, looked at no more than once per `checkMs` — so an edited table (new
 * prices, another policy, `doctor --write-tiers` output) is picked up without a restart. A changed file
 * is validated like at start-up (validateTierTable: a critical tier that is not fixed and Opus is
 * refused); an invalid one is logged and ignored, and routing keeps the last good table.
 *
 * @example
 *   const source = tableSource(path, loadTierTable(path), log);
 *   source.current(); // the same object until the file changes
 */
import { readFileSync, statSync } from 'node:fs';
import type { Logger } from '../log.js';
import { validateTierTable, type TierTable } from './tiers.js';

export interface TableSource {
  current(): TierTable;
  /** Bumped on every table taken from the file. */
  version(): number;
}

/** A table that never changes (tests, the bench, a table given in code). */
export const fixedTable = (table: TierTable): TableSource => ({ current: () => table, version: () => 0 });

export function tableSource(path: string, initial: TierTable, log: Logger, checkMs = 1000, now: () => number = Date.now): TableSource {
  let table = initial;
  let version = 0;
  let stamp = stampOf(path);
  let checkedAt = now();
  return {
    current() {
      if (now() - checkedAt < checkMs) return table;
      checkedAt = now();
      const next = stampOf(path);
      if (next === stamp) return table;
      stamp = next;
      try {
        table = validateTierTable(JSON.parse(readFileSync(path, 'utf8')), path);
        version++;
        log.info('tier table changed: routing uses the new one', { path });
      } catch (err) {
        log.error('tier table changed but is not valid: routing keeps the last good one', { path, error: (err as Error).message });
      }
      return table;
    },
    version: () => version,
  };
}

function stampOf(path: string): string {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}
