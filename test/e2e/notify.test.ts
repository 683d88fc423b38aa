/**
 * Notifications through the BUILT server to loopback Slack, Discord and Telegram stand-ins (test/support/
 * fake-webhooks.ts): a submitted order and a halt reach every sink; a 429 is retried after its Retry-After; a
 * sink that never answers does not delay the order; the daily digest goes out from the CLI; secrets stay out
 * of the log.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, CLI_PATH, callTool, startServer, tempDataDir } from '../support/client.js';
import { type FakeWebhook, startFakeWebhook } from '../support/fake-webhooks.js';

let slack: FakeWebhook;
let discord: FakeWebhook;
let telegram: FakeWebhook;
const TOKEN = '123456:telegram-secret-token';
const waitFor = async (cond: () => boolean, ms = 8000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return cond();
};

beforeAll(async () => {
  [slack, discord, telegram] = await Promise.all([startFakeWebhook('slack'), startFakeWebhook('discord'), startFakeWebhook('telegram')]);
});
afterAll(async () => {
  await Promise.all([slack, discord, telegram].map((w) => w.close()));
});

const env = () => ({
  TRADING_MCP_SIMULATED_MODELS: 'true',
  TRADING_MCP_SIM_CLOCK: '2026-03-10T15:00:00.000Z',
  TRADING_MCP_NOTIFY_SLACK_URL: slack.url,
  TRADING_MCP_NOTIFY_DISCORD_URL: discord.url,
  TRADING_MCP_NOTIFY_TELEGRAM_TOKEN: TOKEN,
  TRADING_MCP_NOTIFY_TELEGRAM_CHAT: '-1001',
  TRADING_MCP_NOTIFY_TELEGRAM_API: telegram.url,
  TRADING_MCP_LOG_LEVEL: 'debug',
});
const texts = (w: FakeWebhook) => w.posts.map((p) => String(p.body.text ?? p.body.content ?? ''));

describe('notifications', () => {
  it('a submitted order and a halt reach Slack, Discord (after its 429) and Telegram; a hanging sink delays nothing', async () => {
    const dataDir = tempDataDir('tars-notify-');
    const s = await startServer({ profile: 'executor', dataDir, env: env() });
    discord.rateLimit(1, 0.3);
    telegram.hang(true);
    const t0 = Date.now();
    const placed = await callTool(s.client, 'place_order', {
      symbol: 'AAPL',
      side: 'buy',
      qty: 1,
      type: 'market',
      time_in_force: 'day',
      client_order_id: 'notify-1',
    });
    const orderMs = Date.now() - t0;
    expect(placed.isError).toBeFalsy();
    expect(await waitFor(() => texts(slack).some((t) => t.includes('notify-1 submitted')))).toBe(true);
    expect(await waitFor(() => discord.posts.filter((p) => p.answered === 204).length === 1)).toBe(true);
    expect(discord.posts[0]!.answered).toBe(429); // the first try was rate-limited, the retry landed
    expect(telegram.posts[0]).toMatchObject({ path: `/bot${TOKEN}/sendMessage`, body: { chat_id: '-1001' } });
    // the Telegram stand-in never answers; the order did not wait for it (the sink's timeout is 5 s)
    expect(orderMs).toBeLessThan(4000);
    telegram.hang(false);
    await callTool(s.client, 'halt_trading', { reason: 'notify test' });
    expect(await waitFor(() => texts(slack).some((t) => t.includes('TRADING HALTED') && t.includes('notify test')))).toBe(true);
    expect(await waitFor(() => texts(telegram).some((t) => t.includes('TRADING HALTED')))).toBe(true);
    await s.close();
    expect(s.stderr()).not.toContain(TOKEN);
    expect(s.stderr()).not.toContain(slack.url);
  }, 30_000);

  it('tars-trading-mcp digest prints the day and sends it to the sinks', async () => {
    const before = slack.posts.length;
    // asynchronously: the stand-ins answer from this process's event loop
    const args = [CLI_PATH, 'digest', '--profile', 'executor', '--data-dir', tempDataDir('tars-digest-')];
    const r = await promisify(execFile)(process.execPath, args, { env: baseEnv(env()), encoding: 'utf8' });
    expect(r.stdout).toMatch(/Daily digest \d{4}-\d{2}-\d{2}/);
    expect(r.stdout, r.stderr.slice(-2000)).toMatch(/sent to 3 sink/);
    expect(slack.posts.length).toBe(before + 1);
    expect(texts(slack).at(-1)).toContain('LLM spend');
  });
});
