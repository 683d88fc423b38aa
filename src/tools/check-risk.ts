/**
 * check_risk (SPEC §7): the deterministic pre-trade verdict for an order, exactly as place_order
 * would compute it at stage 3 of its gate. Read-only: it reads the broker and the risk state and
 * changes nothing (except that a breached daily-loss limit trips the durable halt, as it would in
 * place_order). A refusal is a normal result (`passed: false`), not an error.
 */
import { OrderInputSchema } from '../orders/order.js';
import { describeVerdict, RiskVerdictSchema } from '../risk/verdict.js';
import { defineTool } from '../tool.js';

// loaded on the first call, then the same promise: a dynamic import() per call costs ~5 µs each on the hot path
let loaded: Promise<[typeof import('../risk/service.js'), typeof import('../lessons/for-order.js')]> | undefined;
const modules = () => (loaded ??= Promise.all([import('../risk/service.js'), import('../lessons/for-order.js')]));

export const checkRiskTool = defineTool({
  name: 'check_risk',
  title: 'Check risk',
  description: [
    'Run the deterministic pre-trade risk checks on an order (no LLM): kill switch, symbol allow/deny lists, order size,',
    'price collar against the latest quote, stale quote, position and buying power after open orders, open-order count,',
    'order rate, daily loss, duplicate orders, market hours, the pattern-day-trader rule, close-only (OCO, *_to_close),',
    "bracket/OTO/OCO exits (their stop-bounded loss), a trailing stop's worst fill, the options level, and for options",
    '(single-leg and multi-leg): legs, defined risk only, max loss and days to expiry, and the block rules of lessons',
    '(lesson_block: a lesson that forbids this kind of order names itself). Returns every check with its stable',
    'code, limit and actual value, and the order_hash place_order will bind. Same order fields as place_order (Alpaca names).',
  ].join(' '),
  group: 'risk',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: OrderInputSchema,
  outputSchema: RiskVerdictSchema,
  async handler(input, ctx) {
    const [{ assessOrder }, { lessonRulesFor }] = await modules();
    // the same block rules as the gate's risk stage: the same verdict
    const verdict = await assessOrder(ctx.deps, input, undefined, await lessonRulesFor(ctx.deps, input));
    return { structured: verdict, text: describeVerdict(verdict) };
  },
});
