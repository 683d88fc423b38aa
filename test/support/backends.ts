/**
 * The contract-test pattern (DESIGN.md: one interface per store, the same tests on both backends): one
 * test body, run once per backend; the PostgreSQL run is skipped without TRADING_MCP_TEST_DATABASE_URL.
 * Each `place()` is a fresh, empty home for the store: a temp data dir, plus a fresh database on PostgreSQL.
 *
 * @example
 *   contract('the budget ledger', (backend) => {
 *     let place: StorePlace;
 *     beforeEach(async () => { place = await backend.place(); });
 *     afterEach(() => place.cleanup());
 *     it('never overshoots', async () => { const ledger = await openLedger(place, budgets); … });
 *   });
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { freshDatabase, PG_TEST_URL } from './postgres.js';

export interface StorePlace {
  dataDir: string;
  /** Set on PostgreSQL: the fresh database's URL. */
  databaseUrl?: string;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  available: boolean;
  place(): Promise<StorePlace>;
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'store-contract-'));

export const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    available: true,
    async place() {
      const dataDir = tempDir();
      return { dataDir, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    available: Boolean(PG_TEST_URL),
    async place() {
      const dataDir = tempDir();
      const db = await freshDatabase('contract');
      return {
        dataDir,
        databaseUrl: db.url,
        cleanup: async () => {
          rmSync(dataDir, { recursive: true, force: true });
          await db.drop();
        },
      };
    },
  },
];

/** `describe` the same body once per backend (`<title> on sqlite`, `<title> on postgres`). */
export function contract(title: string, body: (backend: Backend) => void): void {
  describe.each(BACKENDS)(`${title} on $name`, (backend) => {
    describe.skipIf(!backend.available)(backend.name, () => body(backend));
  });
}
