/**
 * A halt from before the server started (here: the CLI halted the data dir, then the server starts) is
 * announced once at start-up: to the notification sinks (a loopback Slack stand-in) and, through the
 * BUILT server over stdio, to a real MCP client that subscribes to log messages (logging/setLevel).
 */
import { spawnSync } from 'node:child_process';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, CLI_PATH, startServer, tempDataDir } from '../support/client.js';
import { type FakeWebhook, startFakeWebhook } from '../support/fake-webhooks.js';

let slack: FakeWebhook;
beforeAll(async () => {
  slack = await startFakeWebhook('slack');
});
afterAll(() => slack.close());

const waitFor = async (cond: () => boolean, ms = 8000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return cond();
};
const halts = () => slack.posts.map((p) => String(p.body.text ?? '')).filter((t) => t.includes('TRADING HALTED'));

describe('a halt carried into start-up', () => {
  it('is announced once to the sinks and to a client that subscribes to log messages; a server started not halted announces nothing', async () => {
    const env = { TRADING_MCP_SIMULATED_MODELS: 'true', TRADING_MCP_NOTIFY_SLACK_URL: slack.url, TRADING_MCP_LOG_LEVEL: 'error' };
    const quiet = await startServer({ dataDir: tempDataDir('tars-startup-halt-'), env });
    await quiet.client.setLoggingLevel('info');
    await new Promise((r) => setTimeout(r, 500));
    await quiet.close();
    expect(halts()).toEqual([]);

    const dataDir = tempDataDir('tars-startup-halt-');
    const cli = spawnSync(process.execPath, [CLI_PATH, 'halt', '--reason', 'before the restart', '--data-dir', dataDir], {
      env: baseEnv({}),
      encoding: 'utf8',
    });
    expect(cli.status, cli.stderr).toBe(0);
    const s = await startServer({ dataDir, env });
    const messages: string[] = [];
    s.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages.push(JSON.stringify(n.params.data)));
    await s.client.setLoggingLevel('info');
    expect(await waitFor(() => messages.some((m) => m.includes('TRADING HALTED') && m.includes('before the restart')))).toBe(true);
    expect(await waitFor(() => halts().length > 0)).toBe(true);
    await s.client.setLoggingLevel('debug'); // a second setLevel: not announced again
    await new Promise((r) => setTimeout(r, 500));
    await s.close();
    expect(halts()).toHaveLength(1);
    expect(halts()[0]).toContain('before the restart');
    expect(messages.filter((m) => m.includes('TRADING HALTED'))).toHaveLength(1);
  }, 30_000);

  it('is not told to a client that subscribes after trading was resumed', async () => {
    const env = { TRADING_MCP_SIMULATED_MODELS: 'true', TRADING_MCP_NOTIFY_SLACK_URL: slack.url, TRADING_MCP_LOG_LEVEL: 'error' };
    const dataDir = tempDataDir('tars-startup-halt-');
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI_PATH, ...args, '--data-dir', dataDir], { env: baseEnv({}), encoding: 'utf8' });
    expect(cli('halt', '--reason', 'resumed before anyone listened').status).toBe(0);
    const before = halts().length;
    const s = await startServer({ dataDir, env });
    expect(await waitFor(() => halts().length > before)).toBe(true); // the start-up check ran and found the halt
    const resumed = cli('resume');
    expect(resumed.status, resumed.stderr).toBe(0);
    const messages: string[] = [];
    s.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages.push(JSON.stringify(n.params.data)));
    await s.client.setLoggingLevel('info');
    await new Promise((r) => setTimeout(r, 1000));
    await s.close();
    expect(messages.filter((m) => m.includes('TRADING HALTED'))).toEqual([]);
  }, 30_000);
});
