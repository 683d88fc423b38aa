/**
 * Demo: two arena rounds on the sim market (a day apart, one data dir: the shadow accounts carry over), then
 * the leaderboard and its equity-curve chart written beside the data. With a gateway key in the demo's
 * environment the council's models play; without one the demo says what they would do and plays the rounds
 * with the scripted stand-ins (--simulated-models), every result labelled simulated.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { DemoContext, DemoStep } from '../demo.js';
import { gatewayEnv, startPrivateExecutor } from './private-server.js';

const CLOCKS = ['2026-03-10T15:00:00.000Z', '2026-03-11T15:30:00.000Z'];
const firstText = (r: CallToolResult) => r.content.flatMap((c) => (c.type === 'text' ? [c.text] : []))[0] ?? '';

async function round(ctx: DemoContext, dataDir: string, clock: string, env: Record<string, string>): Promise<void> {
  const server = await startPrivateExecutor('arena', { ...env, TRADING_MCP_SIM_CLOCK: clock }, 'council', dataDir);
  try {
    const r = await server.call('arena_round', { symbols: ['SPY', 'QQQ', 'AAPL'] });
    ctx.print(r.isError ? `arena_round refused: ${JSON.stringify(r.structuredContent)}` : firstText(r));
  } finally {
    await server.close();
  }
}

export const arenaStep: DemoStep = {
  title: 'Arena: each model trades its own shadow account; the leaderboard sets P&L against LLM cost',
  profile: 'council',
  async run(ctx) {
    const gateway = gatewayEnv();
    const env = gateway.LLM_GATEWAY_API_KEY ? gateway : { TRADING_MCP_SIMULATED_MODELS: 'true' };
    if (!gateway.LLM_GATEWAY_API_KEY) {
      ctx.print('No gateway key: with LLM_GATEWAY_API_KEY set, the council’s models (reasoning and options tiers) would each');
      ctx.print('decide BUY/SELL/HOLD on the same snapshot, fill in their own $10,000 sim sub-accounts, and be ranked by');
      ctx.print('P&L net of what their calls cost. Played here with the scripted stand-ins instead (nothing is called):');
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'tars-demo-arena-'));
    for (const clock of CLOCKS) {
      ctx.print(`— round at sim time ${clock}`);
      await round(ctx, dataDir, clock, env);
    }
    const server = await startPrivateExecutor('arena-board', { ...env, TRADING_MCP_SIM_CLOCK: CLOCKS[1]! }, 'council', dataDir);
    try {
      const board = await server.call('get_leaderboard', { chart: true });
      ctx.print(firstText(board));
      const image = board.content.find((c) => c.type === 'image');
      if (image && image.type === 'image') {
        const path = join(dataDir, 'arena-leaderboard.png');
        writeFileSync(path, Buffer.from(image.data, 'base64'));
        ctx.print(`equity curves (960×640 PNG): ${path}`);
      }
    } finally {
      await server.close();
    }
  },
};
