/**
 * place_order (SPEC §6): the only tool that moves money. It runs the execution gate — validate and
 * hash, idempotency, risk, council ticket (if the profile requires one), Claude Opus confirmation
 * bound to the order hash, human confirmation in live mode, then INTENT → broker → OUTCOME.
 *
 * Answers: `submitted` or `duplicate` as a normal result; a refusal (or an unknown broker outcome)
 * is an isError result whose code is the refusing stage's SPEC §5 code (RISK_REJECTED,
 * CONFIRMATION_REJECTED, ...) and whose details carry the same object: status, stopped_at, every
 * stage's verdict, the risk verdict, the confirmation, and the audit_id.
 */
import { PlaceOrderInputSchema, PlaceOrderResultSchema, type PlaceOrderResult } from '../execution/result.js';
import { defineTool, type ToolContext } from '../tool.js';

export function renderPlaceOrder(r: PlaceOrderResult): string {
  const lines = [
    r.status === 'submitted'
      ? `SUBMITTED: ${r.message}`
      : r.status === 'duplicate'
        ? `DUPLICATE: ${r.message}`
        : `${r.status.toUpperCase()} at stage ${r.stopped_at ?? '?'} (${r.code ?? 'no code'}): ${r.message}`,
    `order_hash ${r.order_hash ?? '-'}  client_order_id ${r.client_order_id ?? '-'}  mode ${r.mode}  audit_id ${r.audit_id}`,
    ...r.stages.map((s) => `  ${s.stage.padEnd(12)} ${s.outcome.padEnd(11)} ${s.code ? `${s.code}: ` : ''}${s.message}`),
  ];
  if (r.confirmation?.model)
    lines.push(
      `confirmation: ${r.confirmation.decision ?? 'no valid reply'} by ${r.confirmation.model}${r.confirmation.cost_usd !== null ? ` ($${r.confirmation.cost_usd.toFixed(4)})` : ''}`,
    );
  if (r.lessons?.length) lines.push(`lessons shown to Opus: ${r.lessons.map((l) => `${l.id} ("${l.title}")`).join('; ')}`);
  if (r.broker_order) lines.push(`broker order ${r.broker_order.id} status ${r.broker_order.status}`);
  return lines.join('\n');
}

/** A gated tool's handler: the execution gate's `kind` request, with the client's elicitation, cancellation and progress. */
export function gateHandler(kind: 'place' | 'replace' | 'close') {
  return async (input: unknown, ctx: ToolContext): Promise<{ structured: PlaceOrderResult; text: string }> => {
    const { getExecutionGate } = await import('../execution/gate.js');
    const gate = await getExecutionGate(ctx.deps);
    const result = await gate[kind](input, { elicit: ctx.elicit.bind(ctx), signal: ctx.signal, progress: ctx.progress.bind(ctx) });
    return { structured: result, text: renderPlaceOrder(result) };
  };
}

export const placeOrderTool = defineTool({
  name: 'place_order',
  title: 'Place order (gated)',
  description: [
    'Send an order to the broker through the execution gate. It refuses unless the deterministic risk check passes AND',
    'Claude Opus approves this exact order (bound by its order_hash); a profile may also require a council_ticket, and',
    'live mode asks the human. Same fields as check_risk (Alpaca names); run check_risk first. client_order_id makes the',
    'call idempotent: reusing one never sends a second order, it answers status "duplicate" with the recorded outcome',
    '(generated when absent). A refusal is an error whose code names the stage (RISK_REJECTED, CONFIRMATION_REJECTED,',
    'CONFIRMATION_INVALID, CONFIRMATION_UNAVAILABLE, COUNCIL_REQUIRED, HUMAN_DECLINED, TRADING_HALTED, BROKER_REJECTED,',
    'BROKER_UNAVAILABLE) and whose details list every stage. An Opus REJECT is final for this order for a cool-down.',
  ].join(' '),
  group: 'execution',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  inputSchema: PlaceOrderInputSchema,
  outputSchema: PlaceOrderResultSchema,
  handler: gateHandler('place'),
});
