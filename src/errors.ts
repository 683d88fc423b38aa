/** Stable error codes (SPEC §5). A refused or failed tool call carries exactly one of these. */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'NOT_IN_PROFILE',
  'GATEWAY_NOT_CONFIGURED',
  'GATEWAY_UNAVAILABLE',
  'BUDGET_EXHAUSTED',
  'UNKNOWN_PRICE',
  'RISK_REJECTED',
  'RISK_LESSON_BLOCK',
  'CONFIRMATION_REJECTED',
  'CONFIRMATION_INVALID',
  'CONFIRMATION_UNAVAILABLE',
  'COUNCIL_REQUIRED',
  'HUMAN_DECLINED',
  'TRADING_HALTED',
  'DUPLICATE_ORDER',
  'BROKER_REJECTED',
  'BROKER_UNAVAILABLE',
  'NO_QUORUM',
  'NOT_FOUND',
  'JOURNAL_CORRUPT',
  /** The shared database (TRADING_MCP_DATABASE_URL) is unreachable: nothing that needs it proceeds (fail closed). */
  'STORE_UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * An expected failure. Thrown anywhere below a tool handler; the server renders it as an
 * `isError` result whose `structuredContent` is `{ code, message, details }`.
 *
 * @example throw new ToolError('BROKER_REJECTED', 'insufficient buying power', { status: 403 })
 */
export class ToolError extends Error {
  override readonly name = 'ToolError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toStructured(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isToolError(err: unknown): err is ToolError {
  return err instanceof ToolError;
}
