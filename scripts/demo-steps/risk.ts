/**
 * Demo: the deterministic risk check. A private executor server (own data dir, sim clock pinned
 * to an open market, so the demo reads the same on a weekend) shows a passing check_risk, a
 * refused one with its reasons, and the kill switch refusing everything.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import type { DemoStep } from '../demo.js';

const OPEN_AT = '2026-03-10T15:00:00.000Z'; // a Tuesday, 11:00 in New York

interface Verdict {
  passed: boolean;
  order_hash: string;
  checks: Array<{ name: string; code: string; passed: boolean; message: string; actual: unknown }>;
}

function summary(label: string, result: CallToolResult): string {
  const v = result.structuredContent as unknown as Verdict;
  const failed = v.checks.filter((c) => !c.passed);
  const head = `${label} → ${v.passed ? 'PASSED' : 'REFUSED'} (${v.checks.length - failed.length}/${v.checks.length} checks passed, order_hash ${v.order_hash.slice(0, 12)}…)`;
  return [head, ...failed.map((c) => `    ✗ ${c.code}: ${c.message}`)].join('\n');
}

export const riskDemoStep: DemoStep = {
  title: 'Deterministic risk checks: check_risk passes, refuses, and the kill switch',
  profile: 'executor',
  async run(ctx) {
    const dataDir = mkdtempSync(join(tmpdir(), 'tars-demo-risk-'));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [resolve(PACKAGE_ROOT, 'dist', 'src', 'cli.js'), '--profile', 'executor', '--data-dir', dataDir],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TRADING_MCP_LOG_LEVEL: 'error', TRADING_MCP_SIM_CLOCK: OPEN_AT },
      stderr: 'inherit',
    });
    const client = new Client({ name: 'tars-demo-risk', version: '1.0.0' });
    await client.connect(transport);
    const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
    try {
      ctx.print(`(a private sim server, clock pinned to ${OPEN_AT}: market open)`);
      const probe = (await call('check_risk', { symbol: 'SPY', side: 'buy', qty: 1, type: 'market' })).structuredContent as unknown as Verdict;
      const ask = probe.checks.find((c) => c.code === 'RISK_MAX_NOTIONAL')!.actual as number;
      const small = { symbol: 'SPY', side: 'buy', qty: 5, type: 'limit', limit_price: ask };
      ctx.print(summary(`buy 5 SPY limit ${ask}`, await call('check_risk', small)));
      ctx.print(summary(`buy 400 SPY limit ${Math.round(ask * 1.08 * 100) / 100}`, await call('check_risk', { ...small, qty: 400, limit_price: Math.round(ask * 1.08 * 100) / 100 })));
      ctx.print(summary('buy 1 GME market', await call('check_risk', { symbol: 'GME', side: 'buy', qty: 1, type: 'market' })));
      const halt = await call('halt_trading', { reason: 'demo: kill switch' });
      ctx.print(`halt_trading → ${(halt.content as Array<{ text: string }>)[0]!.text}`);
      ctx.print(summary(`buy 5 SPY limit ${ask} (while halted)`, await call('check_risk', small)));
      ctx.print(`clear it with: tars-trading-mcp resume --data-dir ${dataDir}`);
    } finally {
      await client.close().catch(() => undefined);
    }
  },
};
