/**
 * Demo: the deterministic risk check. A private executor server (own data dir, sim clock pinned
 * to an open market, so the demo reads the same on a weekend) shows a passing check_risk, a
 * refused one with its reasons, and the kill switch refusing everything.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { DemoStep } from '../demo.js';
import { OPEN_AT, startPrivateExecutor } from './private-server.js';

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
    const server = await startPrivateExecutor('risk');
    const { dataDir, call } = server;
    try {
      ctx.print(`(a private sim server, clock pinned to ${OPEN_AT}: market open)`);
      const probe = (await call('check_risk', { symbol: 'SPY', side: 'buy', qty: 1, type: 'market' })).structuredContent as unknown as Verdict;
      const ask = probe.checks.find((c) => c.code === 'RISK_MAX_NOTIONAL')!.actual as number;
      const small = { symbol: 'SPY', side: 'buy', qty: 5, type: 'limit', limit_price: ask };
      ctx.print(summary(`buy 5 SPY limit ${ask}`, await call('check_risk', small)));
      ctx.print(
        summary(
          `buy 400 SPY limit ${Math.round(ask * 1.08 * 100) / 100}`,
          await call('check_risk', { ...small, qty: 400, limit_price: Math.round(ask * 1.08 * 100) / 100 }),
        ),
      );
      ctx.print(summary('buy 1 GME market', await call('check_risk', { symbol: 'GME', side: 'buy', qty: 1, type: 'market' })));
      const halt = await call('halt_trading', { reason: 'demo: kill switch' });
      ctx.print(`halt_trading → ${(halt.content as Array<{ text: string }>)[0]!.text}`);
      ctx.print(summary(`buy 5 SPY limit ${ask} (while halted)`, await call('check_risk', small)));
      ctx.print(`clear it with: tars-trading-mcp resume --data-dir ${dataDir}`);
    } finally {
      await server.close();
    }
  },
};
