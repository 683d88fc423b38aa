/**
 * The routing layer's contract (SPEC §9). Tools ask for a tier, never a model.
 * Expected failures are ToolError: GATEWAY_NOT_CONFIGURED, GATEWAY_UNAVAILABLE, BUDGET_EXHAUSTED, UNKNOWN_PRICE.
 */
export const TIERS = ['parse', 'analysis', 'options', 'reasoning', 'critical', 'embedding'] as const;
export type Tier = (typeof TIERS)[number];
export type ChatTier = Exclude<Tier, 'embedding'>;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface JsonSchemaFormat {
  name: string;
  schema: Record<string, unknown>;
  strict?: boolean;
}

export interface CompletionRequest {
  tier: ChatTier;
  /** The MCP tool on whose behalf the call is made (recorded in the usage ledger). */
  tool: string;
  messages: ChatMessage[];
  responseFormat?: JsonSchemaFormat;
  maxTokens?: number;
  /** A model id from this tier's table (e.g. a council member named in a profile); never from tool input. */
  preferModel?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What every LLM-using tool reports beside its result. */
export interface CallReceipt {
  callId: string;
  tier: Tier;
  modelRequested: string;
  modelServed: string;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costUsd: number;
  latencyMs: number;
  downgradeStep: number;
  remainingDailyUsd: number;
  remainingMonthlyUsd: number;
}

export interface Completion extends CallReceipt {
  /** The first choice's text. */
  content: string;
  finishReason: string | null;
  /** How many choices the reply carried (a confirmation must have exactly one: SPEC §11). */
  choiceCount: number;
}

export interface EmbeddingRequest {
  tool: string;
  texts: string[];
  signal?: AbortSignal;
}

export interface Embeddings extends CallReceipt {
  vectors: number[][];
}

export interface LlmRouter {
  /** True when a gateway key is configured. */
  readonly configured: boolean;
  complete(req: CompletionRequest): Promise<Completion>;
  embed(req: EmbeddingRequest): Promise<Embeddings>;
  /** The name of the embedding model a call would use now (for lesson-vector bookkeeping). */
  embeddingModel(): string;
  close(): Promise<void>;
}
