/** WAL checkpoints out of the reserve/settle path (src/store/sqlite-checkpoint.ts, issue 21), on real files. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqliteLedger } from '../../../src/llm/ledger/sqlite.js';
import { CHECKPOINT_EVERY_COMMITS, INLINE_FACTOR, QuietCheckpointer } from '../../../src/store/sqlite-checkpoint.js';
import { openSqliteWith } from '../../../src/store/sqlite.js';

const tick = () => new Promise((r) => setTimeout(r, 5));
const checkpoints = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.filter((c) => String(c[0]).startsWith('wal_checkpoint')).length;

describe('QuietCheckpointer', () => {
  let dir: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-ckpt-'));
    db = openSqliteWith(Database, join(dir, 'x.sqlite'), { synchronous: 'NORMAL', busyTimeoutMs: 0 });
    db.exec('CREATE TABLE t (n INTEGER)');
  });
  afterEach(() => {
    vi.restoreAllMocks();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('turns auto-checkpoint off and checkpoints once the loop is idle, never inside the commit', async () => {
    const cp = new QuietCheckpointer(db, 3);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const spy = vi.spyOn(db, 'pragma');
    for (let i = 0; i < 5; i++) cp.wrote();
    expect(checkpoints(spy)).toBe(0);
    await tick();
    expect(checkpoints(spy)).toBe(1);
  });

  it('a loop that never goes idle still checkpoints, inline, after every × INLINE_FACTOR commits (bounded WAL)', () => {
    const cp = new QuietCheckpointer(db, 3);
    const spy = vi.spyOn(db, 'pragma');
    for (let i = 0; i < 3 * INLINE_FACTOR - 1; i++) cp.wrote();
    expect(checkpoints(spy)).toBe(0);
    cp.wrote();
    expect(checkpoints(spy)).toBe(1);
    cp.stop();
  });
});

describe('SqliteLedger checkpoints', () => {
  it('hundreds of reserve + settle in a busy loop take no checkpoint; the idle moment after does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-ckpt-'));
    const spy = vi.spyOn(Database.prototype, 'pragma');
    const ledger = new SqliteLedger(dir, { dailyNano: 1e15, monthlyNano: 1e15 });
    try {
      const ops = CHECKPOINT_EVERY_COMMITS; // 2 commits each: past the threshold, below the inline bound
      for (let i = 0; i < ops; i++) {
        const r = await ledger.reserve({ callId: `c${i}`, attempt: 1, tool: 't', tier: 'parse' }, () => ({
          model: 'm',
          reserveNano: 1_000,
          step: 0,
          route: 'primary',
        }));
        await ledger.settle(r.rowId, {
          modelServed: 'm',
          inputTokens: 1,
          cachedInputTokens: 0,
          outputTokens: 1,
          reasoningTokens: 0,
          costNano: 500,
          latencyMs: 1,
          outcome: 'ok',
        });
      }
      expect(checkpoints(spy)).toBe(0);
      await tick();
      expect(checkpoints(spy)).toBe(1);
      expect((await ledger.view()).dayCommittedNano).toBe(ops * 500);
    } finally {
      vi.restoreAllMocks();
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
