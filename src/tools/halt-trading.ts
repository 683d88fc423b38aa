/**
 * halt_trading: the kill switch an agent can pull. It halts every trading path of every server
 * process sharing this data dir, durably (it survives restarts). It can never resume: only a
 * person can, with `tars-trading-mcp resume`.
 */
import { z } from 'zod';
import { defineTool } from '../tool.js';

export const HaltTradingOutputSchema = z.strictObject({
  halted: z.literal(true),
  already_halted: z.boolean().describe('true when trading was halted before this call (the original reason and time are kept)'),
  reason: z.string().nullable(),
  at: z.string().nullable().describe('when the halt began (ISO 8601)'),
  by: z.string().nullable(),
  resume_with: z.string(),
});

export const haltTradingTool = defineTool({
  name: 'halt_trading',
  title: 'Halt trading',
  description:
    'Stop all trading now (kill switch): place_order and check_risk refuse every order until a person runs `tars-trading-mcp resume`. ' +
    'Survives restarts and applies to every server process on this data dir. This tool cannot resume trading.',
  group: 'risk',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  inputSchema: z.strictObject({
    reason: z
      .string()
      .trim()
      .min(1, 'give a reason for the halt')
      .max(500, 'reason is limited to 500 characters')
      .describe('why trading is halted (shown by `tars-trading-mcp status`)'),
  }),
  outputSchema: HaltTradingOutputSchema,
  async handler(input, ctx) {
    const { getRiskState } = await import('../risk/state.js');
    const state = await getRiskState(ctx.deps);
    const result = await state.halt(input.reason, 'halt_trading tool');
    ctx.deps.log.warn('trading halted', { by: 'halt_trading tool', reason: input.reason, alreadyHalted: result.alreadyHalted });
    const structured = {
      halted: true as const,
      already_halted: result.alreadyHalted,
      reason: result.reason,
      at: result.at,
      by: result.by,
      resume_with: 'tars-trading-mcp resume',
    };
    const text = result.alreadyHalted
      ? `Trading was already halted since ${result.at} (${result.reason}). Only a person can resume it with \`tars-trading-mcp resume\`.`
      : `Trading halted at ${result.at}: ${result.reason}. Only a person can resume it with \`tars-trading-mcp resume\`.`;
    return { structured, text };
  },
});
