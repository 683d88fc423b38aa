/**
 * Profiles are data (profiles/*.json), validated at start-up. `selectTools` is the one place
 * that decides what a profile exposes: read-only filtering first, then the profile's includes.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { STRATEGY_ID } from './orders/order.js';
import { RiskLimitsSchema } from './risk/limits.js';
import { ConfigError } from './config.js';
import { PROFILES_DIR } from './paths.js';

export const PROFILE_NAMES = ['analyst', 'council', 'executor'] as const;

export const CouncilMemberSchema = z.strictObject({
  tier: z.enum(['parse', 'analysis', 'options', 'reasoning']),
  model: z.string().min(1).optional().describe("a model id from that tier's table"),
});

/** A strategy the profile trades, and the Beta(alpha, beta) prior on its win rate (SPEC §13). */
export const StrategySchema = z.strictObject({
  id: z.string().regex(STRATEGY_ID, 'a strategy id is lowercase letters, digits and _ (e.g. iron_condor)'),
  description: z.string().max(300).optional(),
  prior: z.strictObject({ alpha: z.number().positive().max(1000), beta: z.number().positive().max(1000) }).prefault({ alpha: 1, beta: 1 }),
});

/**
 * The arena (SPEC §14): which models keep shadow accounts and play arena_round (default: the council's
 * members), the cash each account starts with, and the fill model's slippage off the mid.
 */
export const ArenaSchema = z.strictObject({
  models: z.array(CouncilMemberSchema).min(1).max(8).optional().describe("arena_round's players; default the council's members"),
  initialCash: z.number().positive().max(1e9).default(10_000).describe('cash each shadow account starts with (USD)'),
  slippageBps: z.number().nonnegative().max(500).default(5).describe('buys fill at mid × (1 + bps/1e4), sells at mid × (1 − bps/1e4)'),
  memberTimeoutMs: z.number().int().positive().default(60_000).describe("an arena model's deadline in a round"),
});

/** When a profile names none: the seed's strategies, with flat priors. */
const DEFAULT_STRATEGIES = [
  { id: 'iron_condor', prior: { alpha: 1, beta: 1 } },
  { id: 'trend_following', prior: { alpha: 1, beta: 1 } },
  { id: 'mean_reversion', prior: { alpha: 1, beta: 1 } },
];

export const ProfileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
  description: z.string().min(1),
  readOnly: z.boolean().default(false).describe('expose only read-only tools, whatever `tools` lists'),
  tools: z.array(z.string().min(1)).min(1),
  requireCouncilTicket: z.boolean().default(false).describe('place_order needs a council ticket for the same order'),
  humanApproval: z
    .enum(['elicitation', 'dashboard'])
    .default('elicitation')
    .describe(
      'elicitation: a live order needs the client to ask the person (MCP elicitation); dashboard: every order waits for a person to approve its order_hash on `tars-trading-mcp dashboard`',
    ),
  approvalTimeoutSec: z.number().int().positive().max(3600).default(300).describe('how long place_order waits for a dashboard approval before HUMAN_DECLINED'),
  council: z
    .strictObject({
      members: z
        .array(CouncilMemberSchema)
        .min(1)
        .default([{ tier: 'reasoning' }, { tier: 'options' }]),
      quorum: z.number().int().min(1).default(2),
      memberTimeoutMs: z.number().int().positive().default(60_000),
      ticketTtlSec: z.number().int().positive().max(86_400).default(900),
    })
    .prefault({}),
  confirmation: z
    .strictObject({
      rejectCooldownSec: z.number().int().nonnegative().default(900).describe('an Opus REJECT for an order hash is final for this long'),
      maxConfirmationsPerHour: z
        .number()
        .int()
        .positive()
        .max(3600)
        .default(12)
        .describe('Opus confirmation calls in any rolling hour, approved or not, across processes on the data dir'),
    })
    .prefault({}),
  risk: RiskLimitsSchema.prefault({}),
  arena: ArenaSchema.prefault({}),
  strategies: z
    .array(StrategySchema)
    .max(20)
    .default(DEFAULT_STRATEGIES)
    .refine((list) => new Set(list.map((s) => s.id)).size === list.length, 'strategy ids must be unique')
    .describe('the strategies select_strategy samples over, with Beta priors on their win rate'),
});

export type Profile = z.output<typeof ProfileSchema>;

export interface SelectableTool {
  name: string;
  annotations: { readOnlyHint: boolean };
}

/** Read-only filter first, then the profile's includes, in the catalogue's order. */
export function selectTools<T extends SelectableTool>(catalogue: readonly T[], profile: Pick<Profile, 'readOnly' | 'tools'>): T[] {
  const included = new Set(profile.tools);
  return catalogue.filter((tool) => (!profile.readOnly || tool.annotations.readOnlyHint) && included.has(tool.name));
}

/**
 * `--tools`, `--exclude-tools` and `--read-only` applied after the profile: they only ever narrow
 * it. A name the profile lacks in `--tools`, an unknown name, or a selection that leaves nothing
 * stops start-up with one line rather than being ignored.
 */
export function narrowProfile(
  profile: Profile,
  narrow: { tools?: string[] | undefined; excludeTools: string[]; readOnly: boolean },
  knownTools: readonly string[],
): Profile {
  const unknown = [...(narrow.tools ?? []), ...narrow.excludeTools].filter((t) => !knownTools.includes(t));
  if (unknown.length) throw new ConfigError(`--tools/--exclude-tools name unknown tools: ${unknown.join(', ')}`);
  const missing = (narrow.tools ?? []).filter((t) => !profile.tools.includes(t));
  if (missing.length) {
    throw new ConfigError(`--tools can only narrow the profile: "${profile.name}" has no ${missing.join(', ')} (use a profile that lists them)`);
  }
  const wanted = new Set(narrow.tools ?? profile.tools);
  const tools = profile.tools.filter((t) => wanted.has(t) && !narrow.excludeTools.includes(t));
  const narrowed: Profile = { ...profile, tools, readOnly: profile.readOnly || narrow.readOnly };
  if (!narrowed.tools.length) throw new ConfigError(`--tools/--exclude-tools leave profile "${profile.name}" with no tools`);
  return narrowed;
}

export function profilePath(nameOrPath: string): string {
  return (PROFILE_NAMES as readonly string[]).includes(nameOrPath) ? resolve(PROFILES_DIR, `${nameOrPath}.json`) : resolve(nameOrPath);
}

export function loadProfile(nameOrPath: string, knownTools: readonly string[]): Profile {
  const isName = (PROFILE_NAMES as readonly string[]).includes(nameOrPath);
  if (!isName && !nameOrPath.endsWith('.json')) {
    throw new ConfigError(`unknown profile "${nameOrPath}": use ${PROFILE_NAMES.join(', ')} or a path to a .json profile file`);
  }
  const path = profilePath(nameOrPath);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot load profile ${path}: ${(err as Error).message}`);
  }
  const parsed = ProfileSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues.map((i) => `${i.path.join('.') || 'profile'}: ${i.message}`).join('; ');
    throw new ConfigError(`malformed profile ${path}: ${first}`);
  }
  const unknown = parsed.data.tools.filter((t) => !knownTools.includes(t));
  if (unknown.length) throw new ConfigError(`profile ${path} names unknown tools: ${unknown.join(', ')}`);
  if (parsed.data.council.quorum > parsed.data.council.members.length) {
    throw new ConfigError(`profile ${path}: council quorum ${parsed.data.council.quorum} exceeds its ${parsed.data.council.members.length} members`);
  }
  return parsed.data;
}
