/**
 * Demo: place_order on embedded defaults. A private executor server (sim broker, no gateway key,
 * sim clock pinned to an open market so the demo reads the same on a weekend) refuses the order at
 * the Opus confirmation stage — CONFIRMATION_UNAVAILABLE — and the refusal lists every stage.
 */
import type { DemoStep } from '../demo.js';
import { OPEN_AT, startPrivateExecutor } from './private-server.js';

interface Refusal {
  code: string;
  message: string;
  details: {
    status: string;
    stopped_at: string | null;
    order_hash: string | null;
    client_order_id: string | null;
    audit_id: string;
    stages: Array<{ stage: string; outcome: string; code: string | null; message: string }>;
  };
}

export const executionStep: DemoStep = {
  title: 'Execution gate: place_order without a gateway key refuses at the Opus confirmation (every stage shown)',
  profile: 'executor',
  async run(ctx) {
    const server = await startPrivateExecutor('exec');
    const { client, call } = server;
    try {
      ctx.print(`(a private sim server, no LLM gateway key, clock pinned to ${OPEN_AT}: market open)`);
      const order = {
        symbol: 'AAPL',
        side: 'buy',
        qty: 2,
        type: 'market',
        time_in_force: 'day',
        client_order_id: 'demo-aapl-1',
        rationale: 'demo: a small starter position',
      };
      ctx.print('place_order buy 2 AAPL at market, client_order_id demo-aapl-1');
      const result = await call('place_order', order);
      if (!result.isError) {
        ctx.print('unexpected: the order was submitted');
        return;
      }
      const r = result.structuredContent as unknown as Refusal;
      ctx.print(`→ REFUSED ${r.code} at stage "${r.details.stopped_at}" (order_hash ${r.details.order_hash?.slice(0, 16)}…, audit ${r.details.audit_id})`);
      for (const s of r.details.stages) {
        const mark = s.outcome === 'passed' ? '✓' : s.outcome === 'refused' ? '✗' : s.outcome === 'skipped' ? '–' : '·';
        ctx.print(
          `   ${mark} ${s.stage.padEnd(12)} ${s.outcome.padEnd(11)} ${s.code ? `${s.code}: ` : ''}${s.message.length > 110 ? `${s.message.slice(0, 110)}…` : s.message}`,
        );
      }
      const orders = await call('get_orders', { status: 'all' }).catch(() => null);
      const count = orders && !orders.isError ? ((orders.structuredContent as { orders?: unknown[] }).orders?.length ?? 0) : null;
      if (count !== null) ctx.print(`orders at the sim broker afterwards: ${count}`);
      const audit = await client.readResource({ uri: 'trading://audit' });
      const body = JSON.parse((audit.contents[0] as { text: string }).text) as { counts: Record<string, number>; journal: { sequence: number } };
      ctx.print(
        `trading://audit → attempts by status ${JSON.stringify(body.counts)}; order journal sequence ${body.journal.sequence} (nothing reached the broker)`,
      );
      ctx.print('With LLM_GATEWAY_API_KEY set, stage 5 asks Claude Opus (critical tier) to APPROVE this exact order_hash;');
      ctx.print('only then is an INTENT fsynced and the order sent to the broker with client_order_id demo-aapl-1.');
    } finally {
      await server.close();
    }
  },
};
