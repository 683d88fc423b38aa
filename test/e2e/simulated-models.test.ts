/**
 * --simulated-models: the whole flow without a key, through the real openai client, on the sim broker
 * only. Every stage passes for a small order and the sim broker fills it; every result is labelled;
 * start-up refuses the combination with a paper or live broker.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { simulatedContent } from '../../src/llm/simulated.js';
import { PROFILES_DIR } from '../../src/paths.js';
import { baseEnv, CLI_PATH, callTool, startServer, tempDataDir } from '../support/client.js';

const OPEN = '2026-03-10T15:00:00.000Z';

function councilledExecutor(): string {
  const profile = JSON.parse(readFileSync(join(PROFILES_DIR, 'executor.json'), 'utf8')) as { tools: string[] };
  const path = join(mkdtempSync(join(tmpdir(), 'tars-sim-profile-')), 'p.json');
  writeFileSync(path, JSON.stringify({ ...profile, name: 'executor-council', tools: [...profile.tools, 'council_vote'], requireCouncilTicket: true }));
  return path;
}

const labelled = (r: { content: unknown; _meta?: Record<string, unknown> }) =>
  (r.content as Array<{ type: string; text?: string }>).some((c) => c.text?.startsWith('SIMULATED MODELS')) &&
  r._meta?.['tars-trading-mcp/simulated-models'] === true;

describe('simulated models', () => {
  test('council approves, the stand-in confirms the exact order_hash, the sim broker fills; every result says simulated', async () => {
    const server = await startServer({ profile: councilledExecutor(), env: { TRADING_MCP_SIMULATED_MODELS: 'true', TRADING_MCP_SIM_CLOCK: OPEN } });
    try {
      expect(server.client.getInstructions()).toMatch(/SIMULATED MODELS/);
      const order = { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', time_in_force: 'day', client_order_id: 'sim-e2e-1' };
      const vote = await callTool(server.client, 'council_vote', { question: 'buy one share?', order });
      expect(vote.isError).toBeFalsy();
      expect(labelled(vote)).toBe(true);
      const v = vote.structuredContent as { decision: string; ticket: unknown; members: Array<{ status: string; vote: string }> };
      expect(v.decision).toBe('APPROVE');
      expect(v.members.every((m) => m.status === 'valid')).toBe(true);
      const ticket = typeof v.ticket === 'string' ? v.ticket : (v.ticket as { id: string }).id;
      const placed = await callTool(server.client, 'place_order', { ...order, council_ticket: ticket });
      expect(placed.isError).toBeFalsy();
      expect(labelled(placed)).toBe(true);
      const p = placed.structuredContent as { status: string; stages: Array<{ stage: string; outcome: string }> };
      expect(p.stages.filter((s) => s.outcome !== 'passed').map((s) => s.stage)).toEqual(['human']); // human approval is off in this profile
      const positions = await callTool(server.client, 'get_positions', {});
      expect(labelled(positions)).toBe(true);
      expect(JSON.stringify(positions.structuredContent)).toContain('AAPL');
      const usage = await callTool(server.client, 'get_llm_usage', {});
      expect(JSON.stringify(usage.structuredContent)).toMatch(/claude-opus/); // the ledger saw the (simulated) confirmation
    } finally {
      await server.close();
    }
  });

  test('start-up refuses simulated models beside a paper or live broker', () => {
    const run = spawnSync(process.execPath, [CLI_PATH, '--data-dir', tempDataDir(), '--simulated-models'], {
      env: baseEnv({ APCA_API_KEY_ID: 'PKTESTKEYID12345', APCA_API_SECRET_KEY: 'testsecretvalue1234567890' }),
      input: '',
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/simulated models run only with the simulated broker, not in paper mode/);
    expect(run.stderr).not.toContain('testsecretvalue');
  });

  test('the stand-ins: the confirmation copies the hash it is shown; other schemas get a valid, deterministic reply', () => {
    const hash = 'a'.repeat(64);
    const confirm = JSON.parse(
      simulatedContent({
        model: 'claude-opus-4-6',
        messages: [{ role: 'user', content: `order_hash: ${hash}\nmode: sim` }],
        response_format: { type: 'json_schema', json_schema: { name: 'trade_confirmation', schema: {} } },
      }),
    );
    expect(confirm).toMatchObject({ decision: 'APPROVE', order_hash: hash });
    const schema = {
      type: 'object',
      properties: {
        action: { type: 'string', enum: ['BUY', 'SELL', 'HOLD'] },
        qty_fraction: { type: 'number', minimum: 0, maximum: 1 },
        reasoning: { type: 'string' },
      },
    };
    const ask = (model: string) =>
      JSON.parse(
        simulatedContent({
          model,
          messages: [{ role: 'user', content: 'SPY snapshot' }],
          response_format: { type: 'json_schema', json_schema: { name: 'x', schema } },
        }),
      );
    const replies = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'].map(ask);
    for (const r of replies) {
      expect(['BUY', 'SELL', 'HOLD']).toContain(r.action);
      expect(r.qty_fraction).toBeGreaterThanOrEqual(0);
      expect(r.qty_fraction).toBeLessThanOrEqual(1);
    }
    expect(ask('m1')).toEqual(replies[0]); // deterministic
    expect(new Set(replies.map((r) => r.action)).size).toBeGreaterThan(1); // models differ
  });
});
