/** doctor checks for the council: members priced in the tier table, budget headroom, the ticket key. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DoctorCheck, DoctorResult } from '../doctor/types.js';
import { loadTierTable, nanoToUsd, priceOf, usdToNano } from '../llm/tiers.js';
import { memberWorstCasesNano } from './budget.js';
import { councilMessages } from './prompt.js';
import { TICKET_KEY_FILE } from './ticket.js';
import { VOTE_JSON_SCHEMA } from './vote.js';

export const councilChecks: DoctorCheck = async (deps) => {
  const { profile } = deps;
  const votes = profile.tools.includes('council_vote');
  if (!votes && !profile.requireCouncilTicket) {
    // every area reports: say why there is nothing to check rather than leave the area out
    return [
      {
        name: 'council',
        status: 'ok',
        detail: `not used by profile "${profile.name}" (no council_vote, no council ticket required); run doctor --profile council to check it`,
      },
    ];
  }
  const out: DoctorResult[] = [];
  const { members, quorum, memberTimeoutMs, ticketTtlSec } = profile.council;

  if (votes) {
    const table = loadTierTable(deps.config.tiersPath);
    const unpriced = members.filter((m) => (m.model ? !priceOf(table, m.model) : !table.tiers[m.tier].models.some((id) => priceOf(table, id))));
    out.push(
      unpriced.length
        ? {
            name: 'council members',
            status: 'fail',
            detail: `no priced model for ${unpriced.map((m) => m.model ?? m.tier).join(', ')}: those members would always fail (UNKNOWN_PRICE)`,
          }
        : {
            name: 'council members',
            status: 'ok',
            detail: `${members.map((m) => m.model ?? `${m.tier} (${table.tiers[m.tier].models[0]})`).join(', ')}; quorum ${quorum} of ${members.length}; ${memberTimeoutMs} ms per member; tickets valid ${ticketTtlSec} s`,
          },
    );
    // A 1,000-character question with 2,000 characters of context: what one quorum reserves at worst.
    const messages = councilMessages({ question: 'q'.repeat(1000), context: 'c'.repeat(2000), mode: deps.mode });
    const perMember = memberWorstCasesNano(table, members, messages, VOTE_JSON_SCHEMA)
      .filter((c): c is number => c !== null)
      .sort((a, b) => a - b);
    const quorumNano = perMember.slice(0, quorum).reduce((s, c) => s + c, 0);
    const allNano = perMember.reduce((s, c) => s + c, 0);
    const perDay = allNano > 0 ? Math.floor(usdToNano(deps.config.budget.dailyUsd) / allNano) : Infinity;
    out.push({
      name: 'council budget',
      status: perDay >= 1 ? 'ok' : 'warn',
      detail: `a council reserves at worst $${nanoToUsd(allNano)} (quorum $${nanoToUsd(quorumNano)}); the daily budget $${deps.config.budget.dailyUsd} covers about ${perDay} full councils at full price`,
    });
  }

  out.push(await ticketKeyCheck(deps, profile.requireCouncilTicket && !votes));
  return out;
};

/** The ticket key: the shared row on PostgreSQL (every replica signs and verifies with it), else the data dir's file. */
async function ticketKeyCheck(deps: Parameters<DoctorCheck>[0], onlyVerifies: boolean): Promise<DoctorResult> {
  const { storeBackend } = await import('../store/backend.js');
  if (storeBackend(deps) === 'postgres') return sharedKeyCheck(deps, onlyVerifies);
  const keyPath = join(deps.dataDir, TICKET_KEY_FILE);
  try {
    const mode = statSync(keyPath).mode & 0o777;
    const wellFormed = /^[0-9a-f]{64}$/.test(readFileSync(keyPath, 'utf8').trim());
    return !wellFormed
      ? { name: 'council ticket key', status: 'fail', detail: `${keyPath} is malformed: remove it (outstanding tickets become invalid)` }
      : mode & 0o077
        ? { name: 'council ticket key', status: 'warn', detail: `${keyPath} has mode ${mode.toString(8)}; chmod 600 it` }
        : { name: 'council ticket key', status: 'ok', detail: `${keyPath} (0600)` };
  } catch {
    return {
      name: 'council ticket key',
      status: onlyVerifies ? 'warn' : 'ok',
      detail: onlyVerifies
        ? `no council has run on ${deps.dataDir} yet: place_order requires a ticket, so run a council server on this data dir first`
        : 'created (0600) by the first council on this data dir',
    };
  }
}

async function sharedKeyCheck(deps: Parameters<DoctorCheck>[0], onlyVerifies: boolean): Promise<DoctorResult> {
  const [{ getPostgres }, { query }] = await Promise.all([import('../store/postgres/index.js'), import('../store/postgres/pool.js')]);
  try {
    const pg = await getPostgres(deps);
    const [row] = await query<{ created_at: string }>(pg.pool, 'SELECT created_at FROM council_ticket_key WHERE id = 1');
    if (row) return { name: 'council ticket key', status: 'ok', detail: `shared by every replica on ${pg.where} (created ${row.created_at})` };
    return {
      name: 'council ticket key',
      status: onlyVerifies ? 'warn' : 'ok',
      detail: onlyVerifies
        ? `no council has run on ${pg.where} yet: place_order requires a ticket, so run a council server on this database first`
        : `created by the first council on ${pg.where}, shared by every replica`,
    };
  } catch (err) {
    return { name: 'council ticket key', status: 'fail', detail: `the shared key could not be read: ${(err as Error).message}` };
  }
}
