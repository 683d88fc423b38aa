/**
 * Several server processes filling shadow accounts on one data dir at once (SPEC §14): real OS processes
 * (the BUILT store, npm run build first), started together, each filling the same model as fast as it can.
 * A fill is sized and written in one BEGIN IMMEDIATE transaction, so the account never spends cash it does
 * not have, and UNIQUE(model, source, ref, symbol) lets a round's fill for a model happen once, whoever tries.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay } from '../../../src/arena/book.js';
import { openArenaStore } from '../../../src/arena/store.js';

const STORE = pathToFileURL(resolve('dist/src/arena/store.js')).href;
const BOOK = pathToFileURL(resolve('dist/src/arena/book.js')).href;
const PROCESSES = 4;
const TRIES = 30;

/** One process: TRIES fills (the account opened with `cash`) of one share of SPY at 100 for model m, each under ref `${prefix}${i}`; prints how many filled. */
const child = (path: string, prefix: string, startAt: number, cash: number) => `
  const { openArenaStore } = await import(${JSON.stringify(STORE)});
  const { sizeOrder } = await import(${JSON.stringify(BOOK)});
  const store = await openArenaStore(${JSON.stringify(path)});
  while (Date.now() < ${startAt}) await new Promise((r) => setTimeout(r, 1));
  let filled = 0;
  for (let i = 0; i < ${TRIES}; i++) {
    const r = await store.fill({ model: 'm', initialCash: ${cash}, at: new Date().toISOString(), source: 'round', ref: ${JSON.stringify(prefix)} + i, symbol: 'SPY', mid: 100,
      size: (book) => sizeOrder(book, { symbol: 'SPY', side: 'buy', qty: 1, type: 'market' }, book.cash, 100, 0) });
    if (r.filled) filled++;
  }
  await store.close();
  process.stdout.write(String(filled));
`;

function run(script: string): Promise<number> {
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? ok(Number(out)) : fail(new Error(`child exited ${code}: ${err}`))));
  });
}

async function race(prefixOf: (i: number) => string, cash: number): Promise<{ path: string; filled: number[] }> {
  const path = join(mkdtempSync(join(tmpdir(), 'tars-arena-race-')), 'arena.sqlite');
  await (await openArenaStore(path)).close(); // schema and WAL first, as a server's first open would
  const startAt = Date.now() + 600;
  const filled = await Promise.all(Array.from({ length: PROCESSES }, (_, i) => run(child(path, prefixOf(i), startAt, cash))));
  return { path, filled };
}

describe('shadow fills from several processes on one data dir', () => {
  it('distinct refs: together they buy exactly what $1000 covers at $100 — 10 shares, never a cent below zero', async () => {
    const { path, filled } = await race((i) => `p${i}-`, 1000);
    expect(filled.reduce((a, b) => a + b, 0)).toBe(10);
    const store = await openArenaStore(path);
    const fills = await store.fills();
    expect(fills).toHaveLength(10);
    expect(Math.min(...fills.map((f) => f.cash_after))).toBe(0);
    expect(fills.map((f) => f.cash_after)).toEqual(Array.from({ length: 10 }, (_, i) => 900 - i * 100));
    expect(await store.bookOf('m', 1000)).toMatchObject({ cash: replay(1000, fills).cash, fills: 10 });
    store.close();
  }, 60_000);

  it('the same refs from every process: each ref fills once, whoever got there first', async () => {
    const { path, filled } = await race(() => 'shared-', 100_000);
    // cash for all of them: each of the 30 refs filled in exactly one of the 4 processes
    expect(filled.reduce((a, b) => a + b, 0)).toBe(TRIES);
    const store = await openArenaStore(path);
    const refs = (await store.fills()).map((f) => f.ref);
    expect(new Set(refs).size).toBe(refs.length);
    store.close();
  }, 60_000);
});
