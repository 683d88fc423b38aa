/**
 * Start-up and read-only calls without TRADING_MCP_DATABASE_URL load no PostgreSQL driver (`pg`: ~0.25 s and
 * a few MB to import on a loaded machine); nor does check_risk load LanceDB. The server process reports, as it
 * exits, which of those modules the CommonJS loader holds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { callTool, type RunningServer, startServer } from '../support/client.js';

const REPORT_SOURCE =
  "import { createRequire } from 'node:module'; const r = createRequire('/'); process.on('exit', () => { const k = Object.keys(r.cache); process.stderr.write('DRIVERS pg=' + k.filter((p) => p.includes('/node_modules/pg/')).length + ' lancedb=' + k.filter((p) => p.includes('/@lancedb/')).length + '\\n'); });";
// NODE_OPTIONS splits on spaces: the module travels percent-encoded
const REPORT = `data:text/javascript,${encodeURIComponent(REPORT_SOURCE).replaceAll("'", '%27')}`;

const running: RunningServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
});

async function driversAtExit(server: RunningServer): Promise<string> {
  await server.close();
  for (let i = 0; i < 100 && !/DRIVERS .*\n/.test(server.stderr()); i++) await new Promise((r) => setTimeout(r, 50));
  return /DRIVERS (.*)\n/.exec(server.stderr())?.[1] ?? `no report; stderr:\n${server.stderr()}`;
}

describe('drivers load only when used', () => {
  it('analyst: start-up, check_risk and get_account load neither pg nor LanceDB', async () => {
    const server = await startServer({ profile: 'analyst', env: { NODE_OPTIONS: `--import=${REPORT}`, TRADING_MCP_SIM_CLOCK: '2026-03-10T15:00:00.000Z' } });
    running.push(server);
    const risk = await callTool(server.client, 'check_risk', { symbol: 'SPY', side: 'buy', qty: 1, type: 'market' });
    expect(risk.isError).toBeFalsy();
    expect((await callTool(server.client, 'get_account', {})).isError).toBeFalsy();
    expect(await driversAtExit(server)).toBe('pg=0 lancedb=0');
  });

  it('executor: start-up alone loads no pg', async () => {
    const server = await startServer({ profile: 'executor', env: { NODE_OPTIONS: `--import=${REPORT}` } });
    running.push(server);
    expect(await driversAtExit(server)).toMatch(/^pg=0 /);
  });
});
