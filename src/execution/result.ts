/**
 * The shape of a place_order answer (zod only: cheap to import). The same object is the tool's
 * structured result when an order is submitted or is a duplicate, and the `details` of the isError
 * result when it is refused (code = the refusing stage's SPEC §5 code) or its outcome is unknown.
 */
import { z } from 'zod';
import { OrderInputSchema } from '../orders/order.js';
import { RiskVerdictSchema } from '../risk/verdict.js';

/** place_order's input: the SPEC §4 order plus the council ticket (not part of the hash). */
export const PlaceOrderInputSchema = OrderInputSchema.safeExtend({
  council_ticket: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .describe('the ticket from council_vote for this exact order (needed when the profile requires a council)'),
});
export type PlaceOrderInput = z.output<typeof PlaceOrderInputSchema>;

export const STAGES = ['validate', 'idempotency', 'risk', 'council', 'confirmation', 'human', 'broker'] as const;
export type StageName = (typeof STAGES)[number];

export const StageVerdictSchema = z.strictObject({
  stage: z.enum(STAGES),
  outcome: z.enum(['passed', 'refused', 'skipped', 'not_reached']),
  code: z.string().nullable().describe('the SPEC §5 code when this stage refused'),
  message: z.string(),
  latency_ms: z.number(),
});
export type StageVerdict = z.output<typeof StageVerdictSchema>;

export const BrokerOrderSummarySchema = z.strictObject({
  id: z.string(),
  client_order_id: z.string(),
  status: z.string(),
  symbol: z.string().nullable(),
  side: z.string().nullable(),
  order_class: z.string(),
  type: z.string(),
  time_in_force: z.string(),
  qty: z.number().nullable(),
  notional: z.number().nullable(),
  filled_qty: z.number().nullable(),
  filled_avg_price: z.number().nullable(),
  limit_price: z.number().nullable(),
  stop_price: z.number().nullable(),
  submitted_at: z.string().nullable(),
  legs: z.array(z.strictObject({ symbol: z.string(), side: z.string(), ratio_qty: z.number().nullable(), position_intent: z.string().nullable() })).nullable(),
});
export type BrokerOrderSummary = z.output<typeof BrokerOrderSummarySchema>;

export const ConfirmationVerdictSchema = z.strictObject({
  decision: z.enum(['APPROVE', 'REJECT']).nullable().describe('null when no valid reply was obtained'),
  reasons: z.array(z.string()),
  model: z.string().nullable().describe('the model that served the reply, as the gateway reported it'),
  problem: z.string().nullable().describe('why the reply was not accepted, when it was not'),
  latency_ms: z.number().nullable(),
  cost_usd: z.number().nullable(),
  remaining_daily_usd: z.number().nullable(),
  call_id: z
    .string()
    .nullable()
    .describe("the router's call id: the same in the LLM ledger (get_llm_usage) and in the gateway's logs (x-request-id); null when no call was opened"),
});
export type ConfirmationVerdict = z.output<typeof ConfirmationVerdictSchema>;

export const PlaceOrderResultSchema = z.strictObject({
  status: z.enum(['submitted', 'duplicate', 'refused', 'unknown']).describe('refused and unknown come as isError results carrying this object in details'),
  stopped_at: z.enum(STAGES).nullable().describe('the stage that stopped the order (null when submitted)'),
  code: z.string().nullable(),
  message: z.string(),
  order_hash: z.string().nullable(),
  client_order_id: z.string().nullable(),
  client_order_id_generated: z.boolean(),
  mode: z.enum(['sim', 'paper', 'live']),
  stages: z.array(StageVerdictSchema),
  risk: RiskVerdictSchema.nullable(),
  council: z.strictObject({ ok: z.boolean(), reason: z.string().nullable(), message: z.string() }).nullable(),
  confirmation: ConfirmationVerdictSchema.nullable(),
  human: z.strictObject({ action: z.string(), confirmed: z.boolean() }).nullable(),
  broker_order: BrokerOrderSummarySchema.nullable(),
  duplicate_of: z
    .strictObject({ audit_id: z.string(), status: z.string(), code: z.string().nullable(), message: z.string(), at: z.string(), same_order: z.boolean() })
    .nullable()
    .describe('for a duplicate: the recorded outcome of the attempt that used this client_order_id'),
  action: z
    .strictObject({
      kind: z.enum(['replace', 'close']),
      summary: z.string(),
      order: z.record(z.string(), z.unknown()).describe('the order as it will stand (pass it to council_vote for a ticket when the profile requires one)'),
    })
    .nullable()
    .describe('replace_order / close_position: what the order does, and the order it resolved to'),
  lessons: z
    .array(z.strictObject({ id: z.string(), title: z.string() }))
    .nullable()
    .describe('the lessons matching this order that the Opus confirmation was shown (SPEC §13); null when the confirmation was not reached'),
  audit_id: z.string(),
  latency_ms: z.number(),
});
export type PlaceOrderResult = z.output<typeof PlaceOrderResultSchema>;
