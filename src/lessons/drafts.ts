/**
 * Draft lessons from losing round trips (SPEC §13): `writeLossDraft(deps, facts)` writes one
 * Markdown draft under `<data dir>/lessons/` linked to the round trip, its trades and the opening
 * order's audit record — the words from the analysis tier (or a template: draft-text.ts), the
 * facts section ours. Exactly one draft per round trip id, across calls, restarts and processes:
 * a claim file under `lessons/.drafts/` is created exclusively before anything is asked or
 * written, and stays after the draft is written (a person deleting a draft does not bring it back).
 * With TRADING_MCP_DATABASE_URL the draft and its claim are rows of the shared database instead
 * (shared/postgres.ts): one draft per round trip across replicas, seen by every replica's searches.
 * Drafts are searchable only with include_drafts and never reach the gate until a person runs
 * `tars-trading-mcp lessons promote ID` (promote.ts).
 *
 * @example
 *   const r = await writeLossDraft(deps, { roundTripId: 'rt-42', symbol: 'SPY', strategy: 'iron_condor', tags: [],
 *     realizedPnl: -212.5, holdingMs: 3 * 86_400_000, entryPrice: 1.45, exitPrice: 3.6, regimeAtEntry: null,
 *     auditId: 'aud_…', clientOrderId: 'ic-1', rationale: '…' });
 *   r.status // 'written' (then 'exists' for the same roundTripId)
 */
import { createHash } from 'node:crypto';
import { stringify as toYaml } from 'yaml';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { ToolError } from '../errors.js';
import type { CallReceipt } from '../llm/types.js';
import { OCC_SYMBOL, parseOcc } from '../orders/order.js';
import { parseLessonFile, STRATEGY_ID } from './corpus.js';
import { draftText, holdingText, regimeText, type DraftWords } from './draft-text.js';
import { openLessonRows } from './shared/open.js';
import { LESSON_LIMITS, TAG_PATTERN } from './types.js';

const finite = z.number().finite();

/** The facts of one losing round trip, as trade memory matched it. */
export const LossFactsSchema = z.strictObject({
  roundTripId: z.string().min(1).max(200),
  symbol: z.string().min(1).max(32),
  strategy: z.string().regex(STRATEGY_ID).nullable(),
  tags: z.array(z.string().max(LESSON_LIMITS.tag)).max(LESSON_LIMITS.tags),
  realizedPnl: finite.negative('a draft lesson is written from a losing round trip (realizedPnl < 0)'),
  holdingMs: finite.nonnegative(),
  entryPrice: finite,
  exitPrice: finite,
  qty: finite.positive().nullable().optional(),
  side: z.enum(['long', 'short']).nullable().optional(),
  openedAt: z.string().max(40).nullable().optional(),
  closedAt: z.string().max(40).nullable().optional(),
  regimeAtEntry: z.strictObject({ trend: z.string().max(40).nullable(), volatility: z.string().max(40).nullable() }).nullable(),
  auditId: z.string().max(200).nullable(),
  clientOrderId: z.string().max(200).nullable(),
  rationale: z.string().max(4_000).nullable(),
  tradeIds: z.array(z.string().max(200)).max(200).optional(),
});
export type LossFacts = z.input<typeof LossFactsSchema>;

export interface DraftOutcome {
  /** written: this call wrote it; exists: a draft for this round trip was written before (or is being written now). */
  status: 'written' | 'exists';
  id: string;
  file: string;
  via: 'analysis' | 'template' | null;
  receipt: CallReceipt | null;
  degraded: string | null;
}

/** One id per round trip id: stable, a valid lesson id whatever characters the round trip id has. */
export function draftIdFor(roundTripId: string): string {
  return `loss-${createHash('sha256').update(roundTripId, 'utf8').digest('hex').slice(0, 20)}`;
}

/** A claim older than this whose draft never appeared was left by a process that died mid-way: retaken. */
const STALE_CLAIM_MS = 10 * 60_000;

function tagsFor(f: z.output<typeof LossFactsSchema>): string[] {
  const tags = new Set(f.tags.map((t) => t.trim().toLowerCase()).filter((t) => TAG_PATTERN.test(t)));
  tags.add('loss');
  if (f.strategy) tags.add(f.strategy.replace(/_/g, '-'));
  return [...tags].slice(0, LESSON_LIMITS.tags);
}

/** The draft's Markdown: our front matter and facts section around the words. */
export function draftMarkdown(id: string, f: z.output<typeof LossFactsSchema>, words: DraftWords, now: Date): string {
  const underlying = OCC_SYMBOL.test(f.symbol) ? parseOcc(f.symbol)?.underlying : f.symbol;
  const front = {
    id,
    title: words.title.replace(/\s+/g, ' ').trim().slice(0, LESSON_LIMITS.title),
    severity: 'medium',
    tags: tagsFor(f),
    created: now.toISOString().slice(0, 10),
    draft: true,
    ...(underlying && /^[A-Z]{1,6}([.][A-Z]{1,2})?$/.test(underlying) ? { symbols: [underlying] } : {}),
    ...(f.strategy ? { strategies: [f.strategy] } : {}),
    links: { round_trip_id: f.roundTripId, audit_id: f.auditId, client_order_id: f.clientOrderId, trade_ids: f.tradeIds ?? [] },
  };
  // the model's text may not open a section of its own (## Prevention is ours to place)
  const plain = (s: string) => s.replace(/^\s*#{1,6}\s.*$/gm, '').trim();
  const rationale = f.rationale?.trim() ? f.rationale.replace(/\s+/g, ' ').trim().slice(0, 500) : '(none given)';
  const facts = [
    `- round trip ${f.roundTripId}: ${f.side ?? ''} ${f.qty ?? ''} ${f.symbol}${f.strategy ? ` (${f.strategy})` : ''}`.replace(/\s+/g, ' '),
    `- entry ${f.entryPrice}${f.openedAt ? ` at ${f.openedAt}` : ''}, exit ${f.exitPrice}${f.closedAt ? ` at ${f.closedAt}` : ''}; held ${holdingText(f.holdingMs)}`,
    `- realized P&L: ${f.realizedPnl.toFixed(2)} USD`,
    `- regime at entry: ${regimeText(f.regimeAtEntry)}`,
    `- opening order: audit_id ${f.auditId ?? 'unknown'}, client_order_id ${f.clientOrderId ?? 'unknown'}`,
    `- rationale at entry (the agent's words, untrusted): ${rationale}`,
  ];
  return [
    '---',
    toYaml(front, { lineWidth: 0 }).trim(),
    '---',
    plain(words.whatHappened),
    '',
    `Why: ${plain(words.why)}`,
    '',
    '## Facts (recorded by the server)',
    '',
    ...facts,
    '',
    '## Prevention',
    '',
    plain(words.prevention),
    '',
  ].join('\n');
}

/** Write the draft lesson of a losing round trip, once per round trip id. Bad facts: INVALID_INPUT. */
export async function writeLossDraft(deps: Deps, input: LossFacts, options: { signal?: AbortSignal; now?: Date } = {}): Promise<DraftOutcome> {
  const checked = LossFactsSchema.safeParse(input);
  if (!checked.success) throw new ToolError('INVALID_INPUT', `loss facts: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const f = checked.data;
  const id = draftIdFor(f.roundTripId);
  // the user's lessons folder, or the shared rows on PostgreSQL (shared/open.ts)
  const rows = await openLessonRows(deps);
  const exists: DraftOutcome = { status: 'exists', id, file: rows.locationOf(id), via: null, receipt: null, degraded: null };
  if (await rows.hasText(id)) return exists;
  if (!(await rows.claimDraft(id, f.roundTripId, STALE_CLAIM_MS))) return exists;
  let text: Awaited<ReturnType<typeof draftText>>;
  let file: string;
  try {
    text = await draftText(deps, f, options.signal);
    const markdown = draftMarkdown(id, f, text.words, options.now ?? new Date());
    parseLessonFile(`${id}.md`, markdown, { origin: 'user' }); // ours must read back, or nothing is written
    file = await rows.saveDraft(id, f.roundTripId, markdown);
  } catch (err) {
    await rows.releaseDraft(id).catch(() => undefined); // nothing was written: the next call may try again
    throw err;
  }
  deps.log.info('draft lesson written', { id, round_trip_id: f.roundTripId, via: text.via });
  return { status: 'written', id, file, via: text.via, receipt: text.receipt, degraded: text.degraded };
}
