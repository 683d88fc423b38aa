/**
 * A loopback OpenAI-compatible gateway for tests and benches (no network). The `openai` client really
 * talks HTTP to it, so the router's whole path (client, retries, parsing) is exercised.
 *
 * ```ts
 * const gw = await startFakeGateway();                 // prices = the shipped tier table
 * env.LLM_GATEWAY_BASE_URL = gw.url;                   // "http://127.0.0.1:PORT/v1"
 * gw.when('claude-opus-4-6', { content: (req) => JSON.stringify({ decision: 'APPROVE', order_hash: orderHashIn(req), reasons: ['ok'] }) });
 * gw.when({ tier: 'reasoning' }, { status: 429, retryAfter: 1 });            // once (default times: 1)
 * gw.when(/kimi/, { latencyMs: 200 }, { times: Infinity });                  // every matching request
 * gw.script((req) => (req.model === 'deepseek-r1' ? { model: 'deepseek-v3.2' } : undefined)); // consulted after queued behaviours
 * gw.requests  // every request: { at, method, path, model, body, status, servedModel, usage, costUsd, behaviour, latencyMs }
 * gw.totalCostUsd() // sum of costUsd over the log (what the gateway "billed")
 * await gw.close();
 * ```
 *
 * Endpoints
 * - `POST /v1/chat/completions` — answers `{id, object:'chat.completion', created, model, choices:[{index:0,
 *   message:{role:'assistant', content}, finish_reason:'stop'}], usage:{prompt_tokens, completion_tokens, total_tokens,
 *   prompt_tokens_details:{cached_tokens}, completion_tokens_details:{reasoning_tokens}}}`.
 * - `POST /v1/embeddings` — deterministic hashed bag-of-words vectors (unit length; texts that share words are
 *   close), `dimensions` honoured (default `opts.embeddingDims`, 1536), `encoding_format` `float` or `base64`
 *   (the openai client asks for base64: little-endian float32).
 * - `GET /v1/models` — `{object:'list', data:[{id, object:'model', created, owned_by, pricing}]}` where **pricing
 *   follows OpenRouter's shape: USD per token as decimal strings** `{prompt, completion, input_cache_read}`
 *   (e.g. Opus 4.6: `{prompt:"0.000005", completion:"0.000025", input_cache_read:"0.0000005"}`). A model listed
 *   without a price (opts.models entry with no prices) has no `pricing` key.
 * - Auth: when `opts.apiKey` is set, a missing/wrong `Authorization: Bearer` → 401.
 *
 * Default chat reply when nothing is scripted:
 * - with `response_format: {type:'json_schema', json_schema:{schema}}`: `JSON.stringify(exampleFromSchema(schema))`:
 *   `const` → it; `enum` → its FIRST value; anyOf/oneOf → first branch; object → every property (required or not);
 *   string → `"fake"` (padded to minLength); number/integer → `minimum` if given, else 0 clamped to `maximum`
 *   (`exclusiveMinimum` m → m + 1 for integers, m + 0.5 for numbers); boolean → false; array → `minItems` items
 *   (at least 1); null → null. So a council vote schema `{vote: enum[APPROVE,REJECT,ABSTAIN], confidence: 0..1,
 *   reasoning}` yields `{"vote":"APPROVE","confidence":0,"reasoning":"fake"}`; a confirmation schema's order_hash is
 *   `"fake"` (so it never matches a real hash: script the reply to approve; see `orderHashIn`).
 * - with `response_format: {type:'json_object'}`: `{}`. Without a response format: `fake reply from <model>`.
 * - usage: prompt_tokens = ceil(UTF-8 bytes of all message contents / 4) + 4 per message; completion_tokens =
 *   ceil(bytes of content / 4), at most max_tokens (or max_completion_tokens); cached 0, reasoning 0.
 *   cached_tokens are a part of prompt_tokens and reasoning_tokens a part of completion_tokens (OpenAI semantics).
 *   `costUsd` in the log = (prompt − cached)·input + cached·cachedInput + completion·output at the table's prices
 *   (per million), null when the model has no price.
 *
 * Behaviours (`when(matcher, behaviour, {times})` queues; the first queued match is consumed, then `script`
 * handlers, then the default):
 *   status (+ retryAfter seconds → Retry-After header; errorBody), latencyMs, hang (never answers; the client must
 *   time out or abort), reset (destroy the socket), malformed (200 with a truncated JSON body), content (string or
 *   fn of the request), model (substituted `model` in the reply), usage (override any of prompt_tokens,
 *   completion_tokens, cached_tokens, reasoning_tokens), omitUsage (reply without `usage`), finishReason,
 *   choices (answer with that many identical choices, index 0..n-1; 0 → an empty `choices` array),
 *   overReportUsage (a factor: prompt tokens = the honest count × factor, completion tokens = max_tokens (or the
 *   honest count when larger) × factor — a gateway billing more than the request allowed; the log's usage and
 *   costUsd are what it reported, i.e. what it would bill).
 * A matcher is a model id, a RegExp on the model, `{tier}` (models of that tier in `opts.tiers`, default the
 * shipped table), or a predicate on the request.
 *
 * Hidden model profiles (routing simulations, SPEC §15): `gw.profile(model, {quality, latencyMs, outputTokens, ...})`
 * makes every request to that model not otherwise scripted answer like a model of that quality: with probability
 * `quality` the schema's example (valid), else a reply that is JSON but not valid against the schema (`invalid`),
 * after `latencyMs` (± `jitter` fraction), reporting `outputTokens` completion tokens (of which `reasoningTokens`).
 * Draws come from `opts.seed` (deterministic). Consulted after queued behaviours and scripts.
 *
 * The listing is mutable: `gw.list(model, price?)` adds (or reprices) a model in `/v1/models`, `gw.unlist(model)`
 * removes it (requests for it still answer: what the router does with an unlisted model is under test).
 * Every recorded request keeps its `headers` (lower-case names), for the attribution the router sends.
 */
import { seededRng } from '../../src/random.js';
import { costUsd, exampleFromSchema, hashedVector, perToken, utf8Bytes } from './fake-gateway-replies.js';

export { exampleFromSchema } from './fake-gateway-replies.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { loadTierTable, type ModelPrice, type TierTable } from '../../src/llm/tiers.js';
import type { Tier } from '../../src/llm/types.js';

export interface GatewayUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
}

export interface GatewayRequest {
  method: string;
  path: string;
  model: string | null;
  body: Record<string, unknown> | null;
  headers: Record<string, string | string[] | undefined>;
}

export interface Behaviour {
  status?: number;
  /** Seconds, sent as Retry-After (with status 429/503 typically). */
  retryAfter?: number | string;
  errorBody?: unknown;
  latencyMs?: number;
  hang?: boolean;
  reset?: boolean;
  malformed?: boolean;
  content?: string | ((req: GatewayRequest) => string);
  /** The `model` the reply names (a gateway substituting another model). */
  model?: string;
  usage?: Partial<GatewayUsage>;
  /** Answer without a `usage` object (some gateways do); the log still records the computed usage and cost. */
  omitUsage?: boolean;
  finishReason?: string;
  /** Answer with this many choices (default 1). */
  choices?: number;
  /** Report prompt and completion tokens × this factor, beyond max_tokens (billed as reported). */
  overReportUsage?: number;
}

export type Matcher = string | RegExp | { tier: Tier } | ((req: GatewayRequest) => boolean);

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  model: string | null;
  body: Record<string, unknown> | null;
  status: number | null;
  servedModel: string | null;
  usage: GatewayUsage | null;
  costUsd: number | null;
  /** 'default' | 'queued' | 'script' | 'profile' (+ ':invalid') plus flags (hang, reset, malformed). */
  behaviour: string;
  latencyMs: number;
  /** The request's headers (node lower-cases the names). */
  headers: Record<string, string | string[] | undefined>;
}

/** A number, or one read off the request (e.g. by its x-trading-mcp-tier header: a model may be better at one tier's work). */
export type PerRequest = number | ((req: GatewayRequest) => number);

/** How a model answers when nothing is scripted for it: hidden from the router, known to the test or bench. */
export interface ModelProfile {
  /** Probability that a reply is valid against the request's schema (1: always). */
  quality: PerRequest;
  latencyMs?: PerRequest;
  /** Latency varies uniformly by ± this fraction (default 0). */
  jitter?: number;
  /** Completion tokens reported (default: the honest count of the content). */
  outputTokens?: PerRequest;
  /** Of which reasoning tokens. */
  reasoningTokens?: PerRequest;
  /** Prompt tokens served from the cache (part of prompt_tokens). */
  cachedTokens?: PerRequest;
  /** The content of a valid reply (default: the schema's example); e.g. a council vote the model holds. */
  content?: (req: GatewayRequest) => string;
}

export interface FakeModel {
  id: string;
  price?: ModelPrice;
}

export interface FakeGatewayOptions {
  /** Priced models served by /v1/models and used for costUsd; default: every model of `tiers`. */
  models?: FakeModel[];
  /** Tier table for `{tier}` matchers and default prices; default: the shipped table. */
  tiers?: TierTable;
  /** Require this bearer token. */
  apiKey?: string;
  embeddingDims?: number;
  port?: number;
  /** Seed of the profiles' draws (default 1). */
  seed?: number;
  /** How long an idle keep-alive connection stays open (default 1000 ms; a bench whose rounds are further apart keeps them warm). */
  keepAliveTimeoutMs?: number;
}

export interface FakeGateway {
  url: string;
  requests: RecordedRequest[];
  when(matcher: Matcher, behaviour: Behaviour | Behaviour[], opts?: { times?: number }): void;
  script(handler: (req: GatewayRequest) => Behaviour | undefined): void;
  /** Drop queued behaviours and script handlers (the log stays). */
  resetBehaviours(): void;
  /** Answer this model like one of this hidden quality, latency and verbosity (null: drop the profile). */
  profile(model: string, profile: ModelProfile | null): void;
  /** Add (or reprice) a model in GET /v1/models. */
  list(model: string, price?: ModelPrice): void;
  /** Remove a model from GET /v1/models. */
  unlist(model: string): void;
  totalCostUsd(filter?: (r: RecordedRequest) => boolean): number;
  close(): Promise<void>;
}

/** The `order_hash: <hex>` line of the request's messages (the confirmation protocol, SPEC §6), or null. */
export function orderHashIn(req: GatewayRequest): string | null {
  const m = /order_hash:\s*([0-9a-f]{64})/i.exec(messageText(req));
  return m ? m[1]!.toLowerCase() : null;
}

/** All message contents of a chat request, joined by newlines. */
export function messageText(req: Pick<GatewayRequest, 'body'>): string {
  const messages = (req.body?.messages as Array<{ content?: unknown }> | undefined) ?? [];
  return messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''))).join('\n');
}

export async function startFakeGateway(opts: FakeGatewayOptions = {}): Promise<FakeGateway> {
  const tiers = opts.tiers ?? loadTierTable();
  const models: FakeModel[] = opts.models
    ? [...opts.models]
    : [...new Set(Object.values(tiers.tiers).flatMap((t) => t.models))].map((id) => ({ id, ...(tiers.models[id] ? { price: tiers.models[id] } : {}) }));
  const priceOf = new Map(models.filter((m) => m.price).map((m) => [m.id, m.price!]));
  const profiles = new Map<string, ModelProfile>();
  const rng = seededRng(opts.seed ?? 1);
  const dims = opts.embeddingDims ?? 1536;
  const requests: RecordedRequest[] = [];
  const queue: Array<{ matcher: Matcher; behaviours: Behaviour[]; remaining: number }> = [];
  const scripts: Array<(req: GatewayRequest) => Behaviour | undefined> = [];
  const sockets = new Set<Socket>();

  const matches = (m: Matcher, req: GatewayRequest): boolean => {
    if (typeof m === 'string') return req.model === m;
    if (m instanceof RegExp) return req.model !== null && m.test(req.model);
    if (typeof m === 'function') return m(req);
    return req.model !== null && tiers.tiers[m.tier].models.includes(req.model);
  };

  const pick = (req: GatewayRequest): { b: Behaviour; source: string } => {
    for (let i = 0; i < queue.length; i++) {
      const q = queue[i]!;
      if (q.remaining > 0 && matches(q.matcher, req)) {
        q.remaining -= 1;
        const b = q.behaviours.length > 1 ? q.behaviours.shift()! : q.behaviours[0]!;
        if (q.remaining <= 0) queue.splice(i, 1);
        return { b, source: 'queued' };
      }
    }
    for (const s of scripts) {
      const b = s(req);
      if (b) return { b, source: 'script' };
    }
    const profile = req.model !== null ? profiles.get(req.model) : undefined;
    if (profile) return profiled(profile, req);
    return { b: {}, source: 'default' };
  };

  const profiled = (p: ModelProfile, req: GatewayRequest): { b: Behaviour; source: string } => {
    const read = (v: PerRequest | undefined) => (typeof v === 'function' ? v(req) : v);
    const valid = rng.uniform() < read(p.quality)!;
    const jitter = p.jitter ? 1 + p.jitter * (2 * rng.uniform() - 1) : 1;
    const latency = read(p.latencyMs);
    const usage: Partial<GatewayUsage> = {
      ...(p.outputTokens !== undefined ? { completion_tokens: read(p.outputTokens)!, reasoning_tokens: read(p.reasoningTokens) ?? 0 } : {}),
      ...(p.cachedTokens !== undefined ? { cached_tokens: read(p.cachedTokens)! } : {}),
    };
    const b: Behaviour = {
      ...(latency ? { latencyMs: Math.max(0, latency * jitter) } : {}),
      ...(Object.keys(usage).length ? { usage } : {}),
      ...(valid ? (p.content ? { content: p.content } : {}) : { content: '{"unexpected": "not what the schema asked for"}' }),
    };
    return { b, source: valid ? 'profile' : 'profile:invalid' };
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };

  const chatReply = (greq: GatewayRequest, b: Behaviour, servedModel: string): { body: unknown; usage: GatewayUsage } => {
    const body = greq.body ?? {};
    const rf = body.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
    let content: string;
    if (b.content !== undefined) content = typeof b.content === 'function' ? b.content(greq) : b.content;
    else if (rf?.type === 'json_schema') content = JSON.stringify(exampleFromSchema(rf.json_schema?.schema ?? {}));
    else if (rf?.type === 'json_object') content = '{}';
    else content = `fake reply from ${greq.model}`;
    const messages = (body.messages as unknown[] | undefined) ?? [];
    const maxTokens = (body.max_completion_tokens ?? body.max_tokens) as number | undefined;
    let completion = Math.ceil(utf8Bytes(content) / 4);
    if (typeof maxTokens === 'number') completion = Math.min(completion, maxTokens);
    let prompt = Math.ceil(utf8Bytes(messageText(greq)) / 4) + 4 * messages.length;
    if (b.overReportUsage !== undefined) {
      prompt = Math.ceil(prompt * b.overReportUsage);
      completion = Math.ceil(Math.max(completion, typeof maxTokens === 'number' ? maxTokens : completion) * b.overReportUsage);
    }
    const usage: GatewayUsage = { prompt_tokens: prompt, completion_tokens: completion, cached_tokens: 0, reasoning_tokens: 0, ...b.usage };
    const choice = (index: number) => ({
      index,
      message: { role: 'assistant', content, refusal: null },
      logprobs: null,
      finish_reason: b.finishReason ?? 'stop',
    });
    return {
      usage,
      body: {
        id: `chatcmpl-fake-${requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: servedModel,
        choices: Array.from({ length: b.choices ?? 1 }, (_, i) => choice(i)),
        usage: b.omitUsage
          ? undefined
          : {
              prompt_tokens: usage.prompt_tokens,
              completion_tokens: usage.completion_tokens,
              total_tokens: usage.prompt_tokens + usage.completion_tokens,
              prompt_tokens_details: { cached_tokens: usage.cached_tokens },
              completion_tokens_details: { reasoning_tokens: usage.reasoning_tokens },
            },
      },
    };
  };

  const embeddingReply = (greq: GatewayRequest, servedModel: string): { body: unknown; usage: GatewayUsage } => {
    const body = greq.body ?? {};
    const inputs = Array.isArray(body.input) ? (body.input as unknown[]).map(String) : [String(body.input ?? '')];
    const d = typeof body.dimensions === 'number' ? body.dimensions : dims;
    const base64 = body.encoding_format === 'base64';
    const data = inputs.map((text, index) => {
      const vec = hashedVector(text, d);
      const embedding = base64 ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec;
      return { object: 'embedding', index, embedding };
    });
    const prompt = inputs.reduce((n, t) => n + Math.ceil(utf8Bytes(t) / 4), 0);
    return {
      usage: { prompt_tokens: prompt, completion_tokens: 0, cached_tokens: 0, reasoning_tokens: 0 },
      body: { object: 'list', data, model: servedModel, usage: { prompt_tokens: prompt, total_tokens: prompt } },
    };
  };

  const server = createServer((req, res) => {
    void (async () => {
      const started = Date.now();
      const path = (req.url ?? '/').split('?')[0]!;
      const raw = req.method === 'POST' ? await readBody(req) : '';
      let body: Record<string, unknown> | null = null;
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
      } catch {
        body = null;
      }
      const model = typeof body?.model === 'string' ? body.model : null;
      const greq: GatewayRequest = { method: req.method ?? 'GET', path, model, body, headers: req.headers };
      const record: RecordedRequest = {
        at: started,
        method: greq.method,
        path,
        model,
        body,
        status: null,
        servedModel: null,
        usage: null,
        costUsd: null,
        behaviour: 'default',
        latencyMs: 0,
        headers: req.headers,
      };
      requests.push(record);
      const finish = (status: number) => {
        record.status = status;
        record.latencyMs = Date.now() - started;
      };

      if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
        finish(401);
        return send(res, 401, { error: { message: 'invalid api key', type: 'invalid_request_error', code: 'invalid_api_key' } });
      }
      if (req.method === 'GET' && path === '/v1/models') {
        finish(200);
        return send(res, 200, {
          object: 'list',
          data: [...models].map((m) => ({
            id: m.id,
            object: 'model',
            created: 1_700_000_000,
            owned_by: m.id.split(/[-/]/)[0],
            ...(m.price
              ? {
                  pricing: {
                    prompt: perToken(m.price.inputPerM),
                    completion: perToken(m.price.outputPerM),
                    input_cache_read: perToken(m.price.cachedInputPerM ?? m.price.inputPerM),
                  },
                }
              : {}),
          })),
        });
      }
      const isChat = req.method === 'POST' && path === '/v1/chat/completions';
      const isEmbed = req.method === 'POST' && path === '/v1/embeddings';
      if (!isChat && !isEmbed) {
        finish(404);
        return send(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'not_found' } });
      }
      if (!body || !model) {
        finish(400);
        return send(res, 400, { error: { message: 'body must be JSON with a model', type: 'invalid_request_error' } });
      }
      const { b, source } = pick(greq);
      record.behaviour = [source, b.hang && 'hang', b.reset && 'reset', b.malformed && 'malformed'].filter(Boolean).join('+');
      if (b.latencyMs) await new Promise((r) => setTimeout(r, b.latencyMs));
      if (b.hang) return; // never answers; closed by the client or by close()
      if (b.reset) {
        finish(0);
        req.socket.destroy();
        return;
      }
      if (b.status && b.status >= 400) {
        finish(b.status);
        const headers: Record<string, string> = b.retryAfter !== undefined ? { 'retry-after': String(b.retryAfter) } : {};
        return send(res, b.status, b.errorBody ?? { error: { message: `fake gateway status ${b.status}`, type: 'fake_error', code: b.status } }, headers);
      }
      if (b.malformed) {
        finish(200);
        return send(res, 200, '{"id":"chatcmpl-broken","object":"chat.completion","choices":[{"index":0,"message":{"role":"assis');
      }
      const servedModel = b.model ?? model;
      const { body: reply, usage } = isChat ? chatReply(greq, b, servedModel) : embeddingReply(greq, servedModel);
      record.servedModel = servedModel;
      record.usage = usage;
      record.costUsd = costUsd(priceOf.get(servedModel), usage);
      finish(b.status ?? 200);
      send(res, b.status ?? 200, reply);
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { message: String(err) } });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? 1000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    when(matcher, behaviour, o = {}) {
      const behaviours = Array.isArray(behaviour) ? [...behaviour] : [behaviour];
      queue.push({ matcher, behaviours, remaining: o.times ?? behaviours.length });
    },
    script(handler) {
      scripts.push(handler);
    },
    resetBehaviours() {
      queue.length = 0;
      scripts.length = 0;
    },
    profile(model, profile) {
      if (profile) profiles.set(model, profile);
      else profiles.delete(model);
    },
    list(model, price) {
      const at = models.findIndex((m) => m.id === model);
      const entry: FakeModel = { id: model, ...(price ? { price } : {}) };
      if (at >= 0) models[at] = entry;
      else models.push(entry);
      if (price) priceOf.set(model, price);
    },
    unlist(model) {
      const at = models.findIndex((m) => m.id === model);
      if (at >= 0) models.splice(at, 1);
    },
    totalCostUsd(filter) {
      return requests.filter((r) => r.costUsd !== null && (!filter || filter(r))).reduce((s, r) => s + r.costUsd!, 0);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
