/**
 * The daily digest (`tars-trading-mcp digest`, for a cron at the close): today's LLM spend against the budget,
 * the round trips closed today with their P&L, open trips, and the halt state — printed, and sent to the
 * notification sinks when any is configured.
 */
import type { Deps } from '../deps.js';
import { notifierOf } from './notify.js';

export async function digestText(deps: Deps): Promise<string> {
  const [{ usageReport }, { getBroker }, { tradeMemoryReport }, { getRiskState }, { TradeMemoryInputSchema }] = await Promise.all([
    import('../llm/usage.js'),
    import('../broker/index.js'),
    import('../memory/report.js'),
    import('../risk/state.js'),
    import('../memory/schema.js'),
  ]);
  const usage = await usageReport(deps, 0);
  const today = usage.today.period;
  const input = TradeMemoryInputSchema.parse({ since: `${today}T00:00:00-05:00`, limit: 0 });
  const memory = await tradeMemoryReport(deps, await getBroker(deps), input).catch((err: Error) => ({
    text: `trade memory unavailable: ${err.message}`,
  }));
  const halt = await (await getRiskState(deps)).isHalted();
  return [
    `Daily digest ${today} (${deps.mode}, profile ${deps.profile.name})`,
    `LLM spend $${usage.today.spentUsd.toFixed(4)} of $${usage.today.budgetUsd.toFixed(2)} today (step ${usage.downgrade.step}); $${usage.month.spentUsd.toFixed(4)} this month`,
    `Trades today: ${memory.text.split('\n').join(' ')}`,
    halt.halted ? `HALTED since ${halt.at}: ${halt.reason}` : 'Trading enabled.',
  ].join('\n');
}

export async function sendDigest(deps: Deps): Promise<{ text: string; sinks: number }> {
  const text = await digestText(deps);
  const notifier = notifierOf(deps);
  notifier.notify('digest', text);
  await notifier.flush(15_000);
  return { text, sinks: Object.values(notifier.delivered).reduce((a, b) => a + b, 0) };
}
