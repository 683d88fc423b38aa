/**
 * Seeded randomness for the strategy sampler (memory/) and the routing bandit (llm/policies/): xoshiro128** (Blackman & Vigna, 2018; 128-bit state, period
 * 2^128 − 1, passes BigCrush), its state filled from the seed by splitmix32; normals by Box–Muller;
 * Gamma(k) by Marsaglia & Tsang (2000), with the k < 1 boost Gamma(k + 1)·U^(1/k); Beta(a, b) as
 * X / (X + Y) for X ~ Gamma(a), Y ~ Gamma(b), computed from log draws so tiny shapes never give 0/0.
 * On the ground floor so both floors above may draw from it. Written here (about 60 lines) because a
 * seedable generator in src would otherwise be a new runtime dependency (pure-rand is only here as fast-check's).
 *
 * @example const rng = seededRng(42); betaDraw(rng, 3, 2) // same value for seed 42, every run
 */

export interface Rng {
  /** The next 32 bits, as an unsigned integer. */
  nextUint32(): number;
  /** Uniform in the open interval (0, 1). */
  uniform(): number;
}

/** splitmix32: one well-mixed 32-bit word per call from a counter (seeds xoshiro's state). */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** xoshiro128** from an explicit state (four 32-bit words, not all zero). */
export function xoshiro128ss(s0: number, s1: number, s2: number, s3: number): Rng {
  let a = s0 | 0;
  let b = s1 | 0;
  let c = s2 | 0;
  let d = s3 | 0;
  if ((a | b | c | d) === 0) d = 1;
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  return { nextUint32, uniform: () => (nextUint32() + 0.5) / 4294967296 };
}

/** Seeds are whole numbers in [0, 2^32). */
export const MAX_SEED = 4294967295;

/** A generator from a seed in [0, MAX_SEED]: splitmix32 spreads it over the 128-bit state. */
export function seededRng(seed: number): Rng {
  const st = { s: seed | 0 };
  return xoshiro128ss(splitmix32(st), splitmix32(st), splitmix32(st), splitmix32(st));
}

/** A standard normal draw (Box–Muller, one of the pair). */
export function normalDraw(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
}

/** log of a Gamma(shape, 1) draw, shape > 0 (Marsaglia–Tsang). */
export function logGammaDraw(rng: Rng, shape: number): number {
  if (shape < 1) return logGammaDraw(rng, shape + 1) + Math.log(rng.uniform()) / shape;
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normalDraw(rng);
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = rng.uniform();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return Math.log(d * v);
  }
}

/** A Beta(a, b) draw: X / (X + Y) = 1 / (1 + e^(ln Y − ln X)). */
export function betaDraw(rng: Rng, a: number, b: number): number {
  const lx = logGammaDraw(rng, a);
  const ly = logGammaDraw(rng, b);
  return 1 / (1 + Math.exp(ly - lx));
}
