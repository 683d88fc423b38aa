/**
 * The order journal: sequence numbers and checksums, a torn tail truncated on open, corruption in
 * the middle stopping trading, and appends from several processes sharing one data dir.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import { readJournal, type IntentRecord } from '../../../src/execution/journal.js';
import { ExecutionStore, type CommitGuard } from '../../../src/execution/store.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';
import { getBroker } from '../../../src/broker/index.js';
import { startFakeGateway, type FakeGateway } from '../../support/fake-gateway.js';
import { alwaysApprove, BUY_AAPL, CONFIRMATION_REQUESTS, startHarness, tempDir, type Harness } from '../../support/execution-harness.js';

const intent = (cid: string, pid = process.pid): IntentRecord => ({
  type: 'INTENT',
  at: new Date().toISOString(),
  pid,
  audit_id: `aud_${cid}`,
  client_order_id: cid,
  order_hash: 'a'.repeat(64),
  mode: 'sim',
  order: {
    symbol: 'AAPL',
    side: 'buy',
    qty: 1,
    notional: null,
    type: 'market',
    time_in_force: 'day',
    limit_price: null,
    stop_price: null,
    extended_hours: false,
    client_order_id: cid,
    order_class: 'simple',
    legs: null,
  },
});

/** A guard that lets any order through (no ticket, no rate limits). */
const openGuard = (): CommitGuard => ({
  slot: { at: new Date().toISOString(), hash: 'a'.repeat(64), fingerprint: 'f', canonical: '{}', symbol: 'AAPL' },
  rules: { maxPerMinute: 1_000, maxPerHour: 1_000, duplicateWindowSec: 0 },
  ticketId: null,
  ticketRequired: false,
  rejectionKeys: ['a'.repeat(64)],
  nowMs: Date.now(),
});

let stores: ExecutionStore[] = [];
let h: Harness | undefined;
let gw: FakeGateway | undefined;
afterEach(async () => {
  for (const s of stores) s.close();
  stores = [];
  await h?.close();
  await gw?.close();
  h = undefined;
  gw = undefined;
});

async function open(dir: string): Promise<ExecutionStore> {
  const s = await ExecutionStore.open(dir);
  stores.push(s);
  return s;
}

describe('order journal', () => {
  it('writes one checksummed line per record with increasing sequence numbers', async () => {
    const dir = tempDir();
    const s = await open(dir);
    s.syncJournal();
    s.locked(() => s.journal.append(intent('j-1')));
    s.locked(() => s.journal.append(intent('j-2')));
    const text = readFileSync(join(dir, 'order-journal.log'), 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBe(2);
    for (const line of lines) expect(line).toMatch(/^[0-9a-f]{64} \{"type":"INTENT"/);
    expect(readJournal(join(dir, 'order-journal.log')).map((e) => e.seq)).toEqual([1, 2]);
    expect(s.journal.pendingIntents().map((p) => p.client_order_id)).toEqual(['j-1', 'j-2']);
  });

  it('truncates a torn last record on open and keeps appending after it', async () => {
    const dir = tempDir();
    const a = await open(dir);
    a.locked(() => a.journal.append(intent('t-1')));
    const path = join(dir, 'order-journal.log');
    const goodSize = statSync(path).size;
    appendFileSync(path, '0123abcd {"type":"INTENT","half'); // a crash mid-write
    const b = await open(dir);
    b.syncJournal();
    expect(statSync(path).size).toBe(goodSize);
    expect(b.journal.droppedTornBytes).toBeGreaterThan(0);
    b.locked(() => b.journal.append(intent('t-2')));
    expect(readJournal(path).map((e) => [e.seq, e.client_order_id])).toEqual([
      [1, 't-1'],
      [2, 't-2'],
    ]);
  });

  it('stops trading on corruption in the middle (JOURNAL_CORRUPT), before anything reaches the broker', async () => {
    gw = await startFakeGateway();
    alwaysApprove(gw);
    const dir = tempDir();
    const a = await open(dir);
    for (const cid of ['m-1', 'm-2', 'm-3']) a.locked(() => a.journal.append(intent(cid, 999_999_999)));
    const path = join(dir, 'order-journal.log');
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace('"m-2"', '"m-9"')); // flip bytes inside the second record
    const b = await open(dir);
    expect(() => b.syncJournal()).toThrow(ToolError);
    try {
      b.syncJournal();
    } catch (err) {
      expect((err as ToolError).code).toBe('JOURNAL_CORRUPT');
    }
    h = await startHarness({ gatewayUrl: gw.url, dataDir: dir });
    let code = '';
    try {
      await h.gate.place({ ...BUY_AAPL });
    } catch (err) {
      code = (err as ToolError).code;
    }
    expect(code).toBe('JOURNAL_CORRUPT');
    expect(CONFIRMATION_REQUESTS(gw)).toEqual([]);
    expect(await (await getBroker(h.deps)).listOrders({ status: 'all' })).toEqual([]);
  });

  it('refuses an INTENT without a verified council ticket when the profile requires one, writing nothing', async () => {
    const dir = tempDir();
    const s = await open(dir);
    expect(s.claim('tk-1', 'a'.repeat(64), 'aud_tk-1', new Date()).claimed).toBe(true);
    expect(() => s.commitIntent(intent('tk-1'), { ...openGuard(), ticketRequired: true, ticketId: null })).toThrow(/requires a council ticket/);
    expect(readJournal(join(dir, 'order-journal.log'))).toEqual([]);
    expect(s.getOrder('tk-1')!.state).toBe('claimed');
  });

  it('writes an INTENT only for the attempt that holds the claim', async () => {
    const dir = tempDir();
    const s = await open(dir);
    expect(s.claim('own-1', 'a'.repeat(64), 'aud_own-1', new Date()).claimed).toBe(true);
    expect(s.claim('own-1', 'a'.repeat(64), 'aud_other', new Date()).claimed).toBe(false);
    expect(() => s.commitIntent({ ...intent('own-1'), audit_id: 'aud_other' }, openGuard())).toThrow(/no longer held/);
    expect(readJournal(join(dir, 'order-journal.log'))).toEqual([]);
    s.commitIntent(intent('own-1'), openGuard());
    expect(s.getOrder('own-1')!.state).toBe('intent');
    expect(readJournal(join(dir, 'order-journal.log')).length).toBe(1);
  });

  it('serialises appends from several processes: no lost or repeated sequence numbers', async () => {
    const child = resolve(PACKAGE_ROOT, 'dist', 'src', 'execution', 'store.js');
    if (!existsSync(child)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: PACKAGE_ROOT });
    const dir = tempDir();
    const script = `
      const { ExecutionStore } = await import(${JSON.stringify(child)});
      const s = await ExecutionStore.open(process.argv[1]);
      for (let i = 0; i < 40; i++) {
        s.locked(() => s.journal.append({ type: 'INTENT', at: new Date().toISOString(), pid: process.pid, audit_id: 'x', client_order_id: process.pid + '-' + i, order_hash: 'a'.repeat(64), mode: 'sim', order: {} }));
      }
      s.close();`;
    await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<void>((res, rej) => {
            const p = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
            let err = '';
            p.stderr.on('data', (d: Buffer) => (err += d.toString()));
            p.on('exit', (code) => (code === 0 ? res() : rej(new Error(`child failed: ${err}`))));
          }),
      ),
    );
    const entries = readJournal(join(dir, 'order-journal.log'));
    expect(entries.length).toBe(160);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
    expect(new Set(entries.map((e) => e.client_order_id)).size).toBe(160);
    const s = await open(dir);
    expect(() => s.syncJournal()).not.toThrow();
  }, 60_000);
});
