/**
 * The routing layer's contract (SPEC §9). Tools ask for a tier, never a model.
 * Expected failures are ToolError: GATEWAY_NOT_CONFIGURED, GATEWAY_UNAVAILABLE, BUDGET_EXHAUSTED, UNKNOWN_PRICE.
 */
import type { ErrorCode } from '../errors.js';
import type { RoutingSources } from './routing-report.js';

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

/** A model a call may go to, and what it reserves if it does (nano-USD: 1e-9 USD). */
export interface RouteCandidate {
  model: string;
  /** The provider the call goes through (providers.ts; `gateway` unless the tier names its own). */
  provider: string;
  worstNano: number;
  /** The route the ledger records if this model is reserved (primary, prefer, split:…, fallback, tier-cheapest, …). */
  route: string;
}

/** What a completion would cost and where it would go now (LlmRouter.quote): nothing is reserved or sent. */
export interface CallQuote {
  tier: ChatTier;
  downgradeStep: number;
  /** The worst case the reservation assumes: an upper bound on input tokens, and the max output tokens. */
  inputTokens: number;
  maxTokens: number;
  /** The models the call would try now, in order; the first is what it would reserve. Empty when refused. */
  candidates: RouteCandidate[];
  /** The least a call of this shape can reserve at this step: its tier's cheapest priced model, whatever the circuits and the budget left; null when none is priced. */
  cheapestWorstCaseNano: number | null;
  /** What the call would be refused with now, before sending anything (UNKNOWN_PRICE, BUDGET_EXHAUSTED, INVALID_INPUT, GATEWAY_UNAVAILABLE). */
  refusal: { code: ErrorCode; message: string; details: Record<string, unknown> } | null;
  remainingDailyNano: number;
  remainingMonthlyNano: number;
}

export interface QualityFeedback {
  /** The member's valid vote equalled the council's decision. */
  agreedWithMajority?: boolean;
}

export interface LlmRouter {
  /** True when a gateway key is configured. */
  readonly configured: boolean;
  complete(req: CompletionRequest): Promise<Completion>;
  /** What `complete(req)` would cost and where it would go under the current budget and circuits; sends and reserves nothing. */
  quote(req: CompletionRequest): Promise<CallQuote>;
  embed(req: EmbeddingRequest): Promise<Embeddings>;
  /**
   * What a caller learnt of a reply after the call (SPEC §15): e.g. the council, whether a member's vote agreed
   * with the majority. A quality signal for the adaptive policy; unknown call ids are ignored. Optional: a
   * router without statistics (not configured, a test double) has none.
   */
  feedback?(callId: string, signal: QualityFeedback): void;
  /** Several calls' feedback at once (a council's members): one write for all of them where the statistics allow it. */
  feedbackAll?(signals: ReadonlyArray<{ callId: string; signal: QualityFeedback }>): void;
  /** What routing works with now (the live table with listed prices, the providers, the catalog), for get_llm_usage and doctor. */
  routingSources?(): Omit<RoutingSources, 'stats' | 'recent'>;
  /** The name of the embedding model a call would use now (for lesson-vector bookkeeping). */
  embeddingModel(): string;
  close(): Promise<void>;
}
