/**
 * MCP prompts and resource templates through a real client against the BUILT server: listed per profile,
 * rendered with only the profile's tools, arguments checked; an order read back by its client_order_id after
 * the whole gate placed it (scripted stand-in models, sim broker), and a lesson by its id.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/client.js';

const OPEN = '2026-03-10T15:00:00.000Z';
const servers: RunningServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});
async function start(profile: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const s = await startServer({ profile, env });
  servers.push(s);
  return s;
}
const textOf = (r: { messages: Array<{ content: { type: string; text?: string } }> }) => r.messages.map((m) => m.content.text ?? '').join('\n');

describe('MCP prompts', () => {
  it('every profile lists its prompts with names, descriptions and arguments', async () => {
    for (const profile of ['analyst', 'council', 'executor']) {
      const s = await start(profile);
      const { prompts } = await s.client.listPrompts();
      expect(prompts.map((p) => p.name)).toEqual(['pre_trade_checklist', 'iron_condor_plan', 'daily_review']);
      for (const p of prompts) expect(p.description?.length).toBeGreaterThan(20);
      expect(prompts[0]!.arguments?.find((a) => a.name === 'symbol')).toMatchObject({ required: true });
    }
  });

  it('a prompt names only the tools of the profile: the executor ends in place_order, the analyst never does', async () => {
    const executor = await start('executor');
    const analyst = await start('analyst');
    const args = { symbol: 'AAPL', side: 'buy', qty: '5', thesis: 'pullback to support' };
    const e = textOf(await executor.client.getPrompt({ name: 'pre_trade_checklist', arguments: args }));
    const a = textOf(await analyst.client.getPrompt({ name: 'pre_trade_checklist', arguments: args }));
    expect(e).toContain('place_order');
    expect(e).toContain('buy 5 AAPL');
    expect(a).not.toContain('place_order');
    expect(a).toContain('get_technicals');
    expect(e).not.toContain('get_technicals'); // the executor profile has no get_technicals
    const review = textOf(await analyst.client.getPrompt({ name: 'daily_review', arguments: { date: '2026-03-10' } }));
    expect(review).toContain('get_trade_memory since 2026-03-10');
  });

  it('bad arguments are refused with the reason, never a different prompt', async () => {
    const s = await start('analyst');
    await expect(s.client.getPrompt({ name: 'pre_trade_checklist', arguments: { symbol: 'aapl' } })).rejects.toThrow(/uppercase US equity ticker/);
    await expect(s.client.getPrompt({ name: 'pre_trade_checklist', arguments: {} })).rejects.toThrow(/needs the argument symbol/);
    await expect(s.client.getPrompt({ name: 'iron_condor_plan', arguments: { underlying: 'SPY', dte: 'soon' } })).rejects.toThrow(/dte must be a number/);
    await expect(s.client.getPrompt({ name: 'daily_review', arguments: { when: 'today' } })).rejects.toThrow(/takes no argument when/);
    await expect(s.client.getPrompt({ name: 'yolo', arguments: {} })).rejects.toThrow(/unknown prompt/);
    await s.client.ping();
  });
});

describe('resource templates', () => {
  it('trading://lessons/{id}: a lesson by its id; an unknown id is refused', async () => {
    const s = await start('analyst');
    const { resourceTemplates } = await s.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['trading://lessons/{id}']);
    const r = await s.client.readResource({ uri: 'trading://lessons/agent-ambiguous-instruction' });
    const lesson = JSON.parse((r.contents[0] as { text: string }).text) as { id: string; title: string };
    expect(lesson).toMatchObject({ id: 'agent-ambiguous-instruction', title: expect.stringContaining('Tesla') });
    await expect(s.client.readResource({ uri: 'trading://lessons/no-such-lesson' })).rejects.toThrow(/no lesson no-such-lesson/);
  });

  it('trading://orders/{client_order_id}: the order the gate placed, with its audited attempt', async () => {
    const s = await start('executor', { TRADING_MCP_SIMULATED_MODELS: 'true', TRADING_MCP_SIM_CLOCK: OPEN });
    const { resourceTemplates } = await s.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['trading://orders/{client_order_id}', 'trading://lessons/{id}']);
    const order = { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', time_in_force: 'day', client_order_id: 'prompt-test-1' };
    const placed = await s.client.callTool({ name: 'place_order', arguments: order });
    expect(placed.isError).toBeFalsy();
    const r = await s.client.readResource({ uri: 'trading://orders/prompt-test-1' });
    const body = JSON.parse((r.contents[0] as { text: string }).text) as {
      order: { state: string } | null;
      attempts: Array<{ status: string; client_order_id: string }>;
    };
    expect(body.order).not.toBeNull();
    expect(body.attempts).toHaveLength(1);
    expect(body.attempts[0]).toMatchObject({ client_order_id: 'prompt-test-1' });
    await expect(s.client.readResource({ uri: 'trading://orders/never-placed' })).rejects.toThrow(/no order never-placed/);
    await expect(s.client.readResource({ uri: 'trading://orders/bad id with spaces' })).rejects.toThrow(/unknown resource/);
  });
});
