/**
 * Simulated models (`--simulated-models`): a scripted stand-in for the gateway, served to the real
 * `openai` client through its `fetch` option, so every stage of the flow can be watched without a
 * key — council members vote, the Opus stand-in confirms the exact order hash it was shown, the
 * analysis tier writes text. Start-up refuses it unless the broker is the simulator (bootstrap), so
 * a simulated approval can never reach a paper or live account; every tool result says so.
 *
 * Replies are deterministic per (model, prompt): council members approve with a confidence that
 * varies, other structured replies pick enum values by a hash of both (so models differ); usage is counted from the text (about 4 characters a token) and
 * priced by the tier table like a real call.
 */
import { createHash } from 'node:crypto';

export { SIMULATED_API_KEY, SIMULATED_BASE_URL, SIMULATED_NOTE } from './simulated-names.js';

interface ChatBody {
  model: string;
  messages: Array<{ role: string; content: unknown }>;
  response_format?: { type?: string; json_schema?: { name?: string; schema?: unknown } };
}

function textOf(messages: ChatBody['messages']): string {
  return messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
}

/** A stable number in [0, 1) from the model and the prompt. */
function draw(model: string, prompt: string, salt: string): number {
  const stable = prompt.replace(/[0-9a-f]{16,}/g, ''); // nonces and hashes change every call; the choice should not
  return createHash('sha256').update(`${model}\n${salt}\n${stable}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** A value of the JSON schema, chosen by `draw` where the schema leaves a choice. */
function schemaValue(schema: Record<string, unknown>, pick: (salt: string) => number, path: string, model: string): unknown {
  if (Array.isArray(schema.enum)) return schema.enum[Math.floor(pick(path) * schema.enum.length)];
  switch (schema.type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      return Object.fromEntries(Object.entries(props).map(([k, s]) => [k, schemaValue(s, pick, `${path}.${k}`, model)]));
    }
    case 'array':
      return [schemaValue((schema.items ?? {}) as Record<string, unknown>, pick, `${path}[]`, model)];
    case 'number':
    case 'integer': {
      const lo = typeof schema.minimum === 'number' ? schema.minimum : 0;
      const hi = typeof schema.maximum === 'number' ? schema.maximum : lo + 1;
      const v = lo + (hi - lo) * (0.5 + 0.4 * pick(path));
      return schema.type === 'integer' ? Math.round(v) : Math.round(v * 100) / 100;
    }
    case 'boolean':
      return pick(path) < 0.5;
    default:
      return `simulated ${model}: ${path.replace(/^\$\.?/, '') || 'reply'}`;
  }
}

/** The reply content for one request: the confirmation copies the hash it was shown, votes lean to APPROVE. */
export function simulatedContent(body: ChatBody): string {
  const prompt = textOf(body.messages);
  const pick = (salt: string) => draw(body.model, prompt, salt);
  const format = body.response_format;
  if (format?.type !== 'json_schema') {
    return `Simulated ${body.model} (no model was called): a scripted summary of the ${prompt.length} characters it was given.`;
  }
  const schema = (format.json_schema?.schema ?? {}) as Record<string, unknown>;
  if (format.json_schema?.name === 'trade_confirmation') {
    const hash = /order_hash:\s*([0-9a-f]{64})/.exec(prompt)?.[1] ?? '';
    return JSON.stringify({ decision: 'APPROVE', order_hash: hash, reasons: ['simulated stand-in: the risk check passed and the order matches its hash'] });
  }
  if (format.json_schema?.name === 'council_vote') {
    // members approve (the demo must read the same every run); their confidence varies with the prompt
    const confidence = Math.round((0.55 + 0.4 * pick('confidence')) * 100) / 100;
    return JSON.stringify({ vote: 'APPROVE', confidence, reasoning: `simulated ${body.model}: scripted APPROVE (no model was asked)` });
  }
  if (format.json_schema?.name === 'arena_decision') return arenaDecision(schema, prompt, pick, body.model);
  return JSON.stringify(schemaValue(schema, pick, '$', body.model));
}

/** An arena stand-in that trades like one: it buys when it holds nothing, then buys more, sells or holds. */
function arenaDecision(schema: Record<string, unknown>, prompt: string, pick: (salt: string) => number, model: string): string {
  const symbols = ((schema.properties as Record<string, { enum?: string[] }> | undefined)?.symbol?.enum ?? ['SPY']) as string[];
  const held = symbols.filter((s) => new RegExp(`^  ${s.replace('.', '\\.')}: \\d+ shares`, 'm').test(prompt));
  const roll = pick('action');
  const action = held.length === 0 || roll < 0.4 ? 'BUY' : roll < 0.75 ? 'SELL' : 'HOLD';
  const from = action === 'SELL' ? held : symbols;
  const symbol = from[Math.floor(pick('symbol') * from.length)] ?? symbols[0]!;
  const qty_fraction = Math.round((0.2 + 0.6 * pick('fraction')) * 100) / 100;
  const confidence = Math.round((0.5 + 0.45 * pick('confidence')) * 100) / 100;
  return JSON.stringify({ action, symbol, qty_fraction, confidence, reasoning: `simulated ${model}: scripted ${action} ${symbol} (no model was asked)` });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'x-request-id': `sim-${Date.now().toString(36)}` } });
}

/** A `fetch` for the openai client that answers chat completions as the simulated models do. */
export function simulatedFetch(): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (!url.pathname.endsWith('/chat/completions') || (init?.method ?? 'GET') !== 'POST') {
      return json(404, { error: { message: `simulated models answer chat completions only, not ${url.pathname}`, type: 'invalid_request_error' } });
    }
    const body = JSON.parse(String(init?.body ?? '{}')) as ChatBody;
    const content = simulatedContent(body);
    await new Promise((r) => setTimeout(r, 10 + Math.floor(draw(body.model, content, 'latency') * 40)));
    const promptTokens = Math.ceil(textOf(body.messages).length / 4);
    const completionTokens = Math.ceil(content.length / 4);
    return json(200, {
      id: `chatcmpl-sim-${createHash('sha256').update(content).digest('hex').slice(0, 12)}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  }) as typeof fetch;
}
