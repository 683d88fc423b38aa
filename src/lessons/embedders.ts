/**
 * The two embedders behind lessons: the gateway's `embedding` tier when a key is configured
 * (budgeted and recorded by the router like any call), and the offline feature-hashing embedder,
 * which is always available and always kept complete so search never depends on the network.
 */
import type { Deps } from '../deps.js';
import type { CallReceipt, LlmRouter } from '../llm/types.js';
import { LOCAL_EMBEDDER_DIM, LOCAL_EMBEDDER_NAME, LOCAL_EMBEDDER_VERSION, embedLocal, embedPieces } from './local-embedder.js';
import type { Lesson } from './types.js';

export interface EmbedResult {
  vectors: Float32Array[];
  receipt: CallReceipt | null;
}

export interface Embedder {
  readonly name: string;
  readonly version: string;
  /** Known up front for the local embedder; learned from the first reply for the gateway. */
  dim(): Promise<number>;
  embed(texts: string[], tool: string, signal?: AbortSignal): Promise<EmbedResult>;
  /** The packed piece vectors of lessons (pieces.ts), given their whole vectors; absent: rows carry none. */
  pieces?(lessons: readonly Lesson[], wholes: readonly Float32Array[]): Uint8Array[];
}

export const localEmbedder: Embedder = {
  name: LOCAL_EMBEDDER_NAME,
  version: LOCAL_EMBEDDER_VERSION,
  dim: async () => LOCAL_EMBEDDER_DIM,
  embed: async (texts) => ({ vectors: embedLocal(texts), receipt: null }),
  pieces: (lessons, wholes) => embedPieces(lessons, wholes),
};

/** L2-normalise (gateway models differ on whether they do) so cosine distance behaves the same everywhere. */
function normalise(values: readonly number[]): Float32Array {
  const v = Float32Array.from(values);
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}

const BATCH = 64;

export function gatewayEmbedder(router: LlmRouter): Embedder {
  let knownDim: number | null = null;
  const embedder: Embedder = {
    name: 'gateway',
    version: router.embeddingModel(),
    async dim() {
      if (knownDim === null) await embedder.embed(['dimension probe'], 'lessons_ingest');
      return knownDim!;
    },
    async embed(texts, tool, signal) {
      const vectors: Float32Array[] = [];
      let receipt: CallReceipt | null = null;
      for (let i = 0; i < texts.length; i += BATCH) {
        const reply = await router.embed({ tool, texts: texts.slice(i, i + BATCH), ...(signal ? { signal } : {}) });
        if (reply.vectors.length !== Math.min(BATCH, texts.length - i))
          throw new Error(`gateway returned ${reply.vectors.length} vectors for ${Math.min(BATCH, texts.length - i)} texts`);
        for (const values of reply.vectors) {
          if (knownDim === null) knownDim = values.length;
          if (values.length !== knownDim || values.some((x) => !Number.isFinite(x))) throw new Error('gateway returned a malformed embedding');
          vectors.push(normalise(values));
        }
        receipt = reply;
      }
      return { vectors, receipt };
    },
  };
  return embedder;
}

/** The router, when a gateway key is configured (src/llm is loaded only then). */
export async function gatewayRouter(deps: Deps): Promise<LlmRouter | null> {
  if (!deps.config.gateway.apiKey || deps.config.simulatedModels) return null; // simulated models embed nothing: lessons stay offline
  const { getLlm } = await import('../llm/index.js');
  return getLlm(deps);
}
