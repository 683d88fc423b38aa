/**
 * The round journal (trading://arena lists it) never keeps a round 'running' that stopped: a store whose
 * ModelChat write fails mid-round fails the round, and the round's row says 'failed' with why. Real deps,
 * the real router against the loopback gateway, the sim market; the store is the real one with its chat
 * write made to fail (the disk refusing it).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runArenaRound } from '../../../src/arena/round.js';
import { type ChatRecord, openArenaStore, SqliteArenaStore } from '../../../src/arena/store.js';
import { getBroker } from '../../../src/broker/index.js';
import { getLlm } from '../../../src/llm/index.js';
import { tempDataDir } from '../../support/client.js';
import { startFakeGateway } from '../../support/fake-gateway.js';
import { councilDeps } from '../council/helpers.js';

const open: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

/** The real store, whose ModelChat write fails as a full disk would. */
class FullDiskStore extends SqliteArenaStore {
  override async recordChat(_c: ChatRecord): Promise<number> {
    throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  }
}

describe('the round journal', () => {
  it('a round that stopped mid-way is journalled failed, with why — never left running', async () => {
    const gw = await startFakeGateway({ apiKey: 'test-key' });
    open.push(gw);
    const dataDir = tempDataDir('tars-arena-journal-');
    const deps = councilDeps({
      dataDir,
      env: { LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'test-key', TRADING_MCP_SIM_CLOCK: '2026-11-17T15:00:00Z' },
    });
    open.push({ close: () => deps.close() });
    const path = join(dataDir, 'arena-journal.sqlite');
    await (await openArenaStore(path)).close();
    const { default: Database } = await import('better-sqlite3');
    const store = new FullDiskStore(new Database(path));
    open.push(store);
    await expect(runArenaRound(deps, await getLlm(deps), store, await getBroker(deps), { symbols: ['SPY'] })).rejects.toThrow(/disk is full/);
    const [round] = await store.recentRounds(5);
    expect(round).toMatchObject({ status: 'failed', symbols: ['SPY'] });
  });
});
