/**
 * The dashboard in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core), over a data
 * dir an executor server (stdio, sim broker, scripted stand-in models) fills through the real gate. The
 * executor's profile has humanApproval "dashboard": an approval clicked on the page lets exactly that order
 * reach the broker; a decline, a timeout, a wrong key and an approval of another hash each let none through.
 * Screenshots go to test-output/dashboard/.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApprovalStore } from '../../src/execution/approvals.js';
import { PACKAGE_ROOT, PROFILES_DIR } from '../../src/paths.js';
import { baseEnv, CLI_PATH, callTool, startServer, tempDataDir, type RunningServer } from '../support/client.js';

const CHROMIUM = '/usr/bin/chromium';
const OUT = resolve(PACKAGE_ROOT, 'test-output', 'dashboard');
const OPEN = '2026-03-10T15:00:00.000Z';
const TIMEOUT_SEC = 3;

let dataDir: string;
let executor: RunningServer;
let dashboard: ChildProcess;
let url: string;
let key: string;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

function approvingExecutor(): string {
  const profile = JSON.parse(readFileSync(join(PROFILES_DIR, 'executor.json'), 'utf8')) as Record<string, unknown>;
  const path = join(dataDir, '..', `${dataDir.split('/').pop()}-executor.json`);
  writeFileSync(path, JSON.stringify({ ...profile, name: 'executor-dashboard', humanApproval: 'dashboard', approvalTimeoutSec: TIMEOUT_SEC }));
  return path;
}

async function startDashboard(): Promise<{ child: ChildProcess; url: string; key: string }> {
  const child = spawn(process.execPath, [CLI_PATH, 'dashboard', '--port', '0', '--data-dir', dataDir], { env: baseEnv({ TRADING_MCP_SIM_CLOCK: OPEN }) });
  let err = '';
  return new Promise((resolvePromise, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /open (http:\/\/[^\s#]+)#key=([0-9a-f]{32})/.exec(err);
      if (m) resolvePromise({ child, url: m[1]!, key: m[2]! });
    });
    child.once('exit', (code) => reject(new Error(`dashboard exited ${code}: ${err}`)));
  });
}

const ordersAtBroker = async () =>
  (
    (await callTool(executor.client, 'get_orders', { status: 'all' })).structuredContent as {
      orders: Array<{ clientOrderId?: string; client_order_id?: string }>;
    }
  ).orders;
/** A request with the key and whatever Host/Origin headers the test names (fetch cannot set Host). */
function raw(method: string, path: string, payload: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((done, fail) => {
    const req = httpRequest(
      { host: u.hostname, port: u.port, method, path, headers: { 'x-dashboard-key': key, 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}
const order = (qty: number, id: string) => ({ symbol: 'AAPL', side: 'buy', qty, type: 'market', time_in_force: 'day', client_order_id: id });

/** The pending approval the page shows for this client_order_id's order (by its text). */
async function pendingCard(qty: number) {
  const card = page.locator('.approval', { hasText: `${qty} AAPL` });
  await card.waitFor({ timeout: 10_000 });
  return card;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium (apt-get install chromium)`);
  mkdirSync(OUT, { recursive: true });
  dataDir = tempDataDir('tars-dashboard-');
  executor = await startServer({ profile: approvingExecutor(), dataDir, env: { TRADING_MCP_SIMULATED_MODELS: 'true', TRADING_MCP_SIM_CLOCK: OPEN } });
  ({ child: dashboard, url, key } = await startDashboard());
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
}, 60_000);
afterAll(async () => {
  await browser?.close();
  dashboard?.kill('SIGKILL');
  await executor?.close();
});

describe('the dashboard in headless Chromium', () => {
  it('loads with no console error and shows the spend and the audit from the data dir', async () => {
    // something to show: a refused order (risk) and the LLM spend of get_technicals' narrative-free call is none, so place one order below
    await callTool(executor.client, 'check_risk', order(1, 'warm-up'));
    await page.goto(`${url}#key=${key}`);
    await page.waitForSelector('body[data-loaded="true"]');
    await expect(page.locator('#halt-state').textContent()).resolves.toBe('trading enabled');
    await expect(page.locator('#budgets').textContent()).resolves.toContain('Today');
    await page.screenshot({ path: join(OUT, 'dashboard-empty.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it('an approval clicked on the page lets exactly that order reach the broker', async () => {
    const placing = callTool(executor.client, 'place_order', order(2, 'dash-approve'));
    const card = await pendingCard(2);
    await expect(card.textContent()).resolves.toMatch(/order_hash [0-9a-f]{64}/);
    await page.screenshot({ path: join(OUT, 'dashboard-pending-approval.png'), fullPage: true });
    const hash = /order_hash ([0-9a-f]{64})/.exec((await card.textContent()) ?? '')![1]!;
    // the person is asked about the very order and hash; dismissing the question sends nothing
    const asked: string[] = [];
    page.once('dialog', (d) => (asked.push(d.message()), void d.dismiss()));
    await card.locator('button.approve').click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toContain('BUY 2 AAPL');
    expect(asked[0]).toContain(`order_hash ${hash}`);
    expect(await ordersAtBroker()).toEqual([]);
    await expect(card.isVisible()).resolves.toBe(true);
    page.once('dialog', (d) => void d.accept());
    await card.locator('button.approve').click();
    const r = await placing;
    expect(r.isError).toBeFalsy();
    expect((r.structuredContent as { status: string }).status).toMatch(/submitted|filled|accepted|new/);
    const ids = (await ordersAtBroker()).map((o) => o.clientOrderId ?? o.client_order_id);
    expect(ids).toEqual(['dash-approve']);
    await page.waitForSelector('.status-submitted, .status-filled', { timeout: 5000 }).catch(() => undefined);
    await page.screenshot({ path: join(OUT, 'dashboard-after-approval.png'), fullPage: true });
  });

  it('a decline on the page: HUMAN_DECLINED, nothing reaches the broker', async () => {
    const placing = callTool(executor.client, 'place_order', order(3, 'dash-decline'));
    await (await pendingCard(3)).locator('button.decline').click();
    const r = await placing;
    expect((r.structuredContent as { code: string }).code).toBe('HUMAN_DECLINED');
    expect((await ordersAtBroker()).length).toBe(1);
  });

  it('no decision within approvalTimeoutSec: HUMAN_DECLINED, nothing reaches the broker', async () => {
    const r = await callTool(executor.client, 'place_order', order(4, 'dash-timeout'));
    expect((r.structuredContent as { code: string; message: string }).code).toBe('HUMAN_DECLINED');
    expect((r.structuredContent as { message: string }).message).toMatch(/within 3 s/);
    expect((await ordersAtBroker()).length).toBe(1);
  });

  it('a wrong key, and an approval of another order_hash, approve nothing', async () => {
    const placing = callTool(executor.client, 'place_order', order(5, 'dash-forged'));
    const card = await pendingCard(5);
    const id = await card.getAttribute('data-approval');
    const hash = /order_hash ([0-9a-f]{64})/.exec((await card.textContent()) ?? '')![1]!;
    const post = (k: string, h: string) =>
      fetch(`${url}api/approvals/${id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-dashboard-key': k },
        body: JSON.stringify({ decision: 'approve', order_hash: h }),
      });
    expect((await post('0'.repeat(32), hash)).status).toBe(403);
    const otherHash = hash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const other = await post(key, otherHash);
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ ok: false, reason: 'other_order' });
    const r = await placing;
    expect((r.structuredContent as { code: string }).code).toBe('HUMAN_DECLINED');
    expect((await ordersAtBroker()).length).toBe(1);
    // and the expired request cannot be approved afterwards
    expect((await post(key, hash)).status).toBe(409);
  });

  it('model and audit text is shown as text, never markup', async () => {
    const store = await openApprovalStore(dataDir);
    const evil = '<img src=x onerror="document.body.dataset.pwned=1">';
    const req = await store.request(
      'f'.repeat(64),
      'aud_xss',
      {
        order: `BUY 9 XSS ${evil}`,
        kind: 'replace',
        action: `replaces <b>${evil}</b>`,
        risk: null,
        confirmation: { model: evil, decision: 'APPROVE', reasons: [evil] },
      },
      new Date(),
      30,
    );
    const card = page.locator('.approval', { hasText: 'BUY 9 XSS' });
    await card.waitFor({ timeout: 10_000 });
    expect(await card.textContent()).toContain(`BUY 9 XSS ${evil}`);
    expect(await card.textContent()).toContain(`replace: replaces <b>${evil}</b>`);
    expect(await card.locator('img, b').count()).toBe(0);
    expect(await page.evaluate(() => document.body.dataset.pwned)).toBeUndefined();
    expect(await store.decide(req.id, 'f'.repeat(64), 'decline', new Date())).toMatchObject({ ok: true });
    await store.close();
  });

  it('DNS rebinding (another Host), a foreign Origin and malformed requests approve nothing and crash nothing', async () => {
    const placing = callTool(executor.client, 'place_order', order(7, 'dash-rebind'));
    const card = await pendingCard(7);
    const id = await card.getAttribute('data-approval');
    const hash = /order_hash ([0-9a-f]{64})/.exec((await card.textContent()) ?? '')![1]!;
    const approve = JSON.stringify({ decision: 'approve', order_hash: hash });
    const port = new URL(url).port;
    // a page on evil.example that DNS points at 127.0.0.1 is same-origin to the browser: the Host tells it apart
    expect((await raw('POST', `/api/approvals/${id}`, approve, { host: `evil.example:${port}` })).status).toBe(421);
    expect((await raw('GET', '/', '', { host: `evil.example:${port}` })).status).toBe(421);
    expect((await raw('POST', `/api/approvals/${id}`, approve, { origin: 'http://evil.example' })).status).toBe(421);
    expect((await raw('POST', `/api/approvals/${id}`, approve, { origin: 'null' })).status).toBe(421);
    // another local page (our host name, another port) is another site
    expect((await raw('POST', `/api/approvals/${id}`, approve, { origin: `http://127.0.0.1:${Number(port) + 1}` })).status).toBe(421);
    for (const bad of [
      '{',
      '[]',
      '"x"',
      'null',
      JSON.stringify({ decision: 'approve' }),
      JSON.stringify({ decision: 'yes', order_hash: hash }),
      'x'.repeat(40_000),
    ]) {
      expect((await raw('POST', `/api/approvals/${id}`, bad)).status).toBe(400);
    }
    expect((await raw('POST', '/api/approvals/..%2f..%2fetc', approve)).status).toBe(404);
    expect((await raw('GET', '/api/state', '')).status).toBe(200);
    const r = await placing;
    expect((r.structuredContent as { code: string }).code).toBe('HUMAN_DECLINED');
    expect((await ordersAtBroker()).length).toBe(1);
  });

  it('the halt button halts trading for every process on the data dir', async () => {
    page.once('dialog', (d) => void d.accept());
    await page.locator('#halt').click();
    await page.waitForFunction(() => document.getElementById('halt-state')?.textContent?.startsWith('HALTED'));
    const r = await callTool(executor.client, 'place_order', order(6, 'dash-halted'));
    expect((r.structuredContent as { code: string }).code).toBe('TRADING_HALTED');
    await page.screenshot({ path: join(OUT, 'dashboard-halted.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });
});
