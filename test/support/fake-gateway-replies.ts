/**
 * The fake gateway's pure reply helpers (test/support/fake-gateway.ts): a schema's deterministic example,
 * the hashed bag-of-words embedding, and the billed cost at the listed prices.
 */
import { createHash } from 'node:crypto';
import type { ModelPrice } from '../../src/llm/tiers.js';
import type { GatewayUsage } from './fake-gateway.js';

/** A deterministic instance of a JSON schema (see the rules at the top of fake-gateway.ts). */
export function exampleFromSchema(schema: unknown, depth = 0): unknown {
  if (depth > 12 || schema === null || typeof schema !== 'object') return null;
  const s = schema as Record<string, unknown>;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(s[k]) && (s[k] as unknown[]).length) return exampleFromSchema((s[k] as unknown[])[0], depth + 1);
  }
  const type = Array.isArray(s.type) ? ((s.type as string[]).find((t) => t !== 'null') ?? 'null') : (s.type as string | undefined);
  switch (type ?? (s.properties ? 'object' : undefined)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries((s.properties as Record<string, unknown> | undefined) ?? {})) out[k] = exampleFromSchema(v, depth + 1);
      return out;
    }
    case 'array': {
      const n = Math.max(1, typeof s.minItems === 'number' ? s.minItems : 1);
      return Array.from({ length: n }, () => exampleFromSchema(s.items ?? {}, depth + 1));
    }
    case 'string': {
      const min = typeof s.minLength === 'number' ? s.minLength : 0;
      return 'fake'.padEnd(min, 'x');
    }
    case 'integer':
    case 'number': {
      const isInt = type === 'integer';
      let v = 0;
      if (typeof s.minimum === 'number') v = s.minimum;
      else if (typeof s.exclusiveMinimum === 'number') v = s.exclusiveMinimum + (isInt ? 1 : 0.5);
      if (typeof s.maximum === 'number' && v > s.maximum) v = s.maximum;
      return v;
    }
    case 'boolean':
      return false;
    default:
      return null;
  }
}

export const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export function hashedVector(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  const words = text.toLowerCase().match(/[a-z0-9]+/g) ?? [text];
  for (const w of words) {
    const h = createHash('sha256').update(w).digest();
    const idx = h.readUInt32LE(0) % dims;
    v[idx]! += h[4]! & 1 ? 1 : -1;
    const idx2 = h.readUInt32LE(5) % dims;
    v[idx2]! += (h[9]! & 1 ? 1 : -1) * 0.5;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

export function costUsd(price: ModelPrice | undefined, u: GatewayUsage): number | null {
  if (!price) return null;
  const cached = Math.min(u.cached_tokens, u.prompt_tokens);
  return ((u.prompt_tokens - cached) * price.inputPerM + cached * (price.cachedInputPerM ?? price.inputPerM) + u.completion_tokens * price.outputPerM) / 1e6;
}

export const perToken = (perM: number) => String(perM / 1e6);
