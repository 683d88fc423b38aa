/**
 * Council tickets (SPEC §8): proof that a council decided on one exact order, which `place_order`
 * verifies when the profile requires a council.
 *
 *   ticket = "ctk1." + base64url(payload JSON) + "." + base64url(HMAC-SHA256(key, "ctk1." + payload))
 *   payload = { id: 128-bit nonce, c: council id, h: order_hash, d: decision, iat, exp (unix seconds) }
 *
 * The key is the council store's (ticket-key.ts: `<dataDir>/council-ticket.key` on SQLite; one shared
 * row on PostgreSQL, so every replica verifies every other's tickets). Spending a ticket inserts its id
 * under a UNIQUE constraint (council.sqlite, or the database's gate_consumed_tickets), so it is
 * single-use across processes, hosts and restarts.
 *
 * @example
 *   const v = await verifyAndConsumeTicket(deps, input.council_ticket, orderHash);
 *   if (!v.ok) throw new ToolError('COUNCIL_REQUIRED', v.message, { reason: v.reason });
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '../deps.js';
import type { CouncilDecision } from './aggregate.js';
import { getCouncilStore } from './store.js';
import { TICKET_KEY_FILE } from './ticket-key.js';

export { loadOrCreateTicketKey, TICKET_KEY_FILE } from './ticket-key.js';

export const TICKET_PREFIX = 'ctk1';
const HEX32 = /^[0-9a-f]{32}$/;

export interface TicketPayload {
  id: string;
  c: string;
  h: string;
  d: CouncilDecision;
  iat: number;
  exp: number;
}

export interface IssuedTicket {
  ticket: string;
  ticketId: string;
  expiresAt: string;
}

export type TicketRefusal = 'malformed' | 'forged' | 'other_order' | 'not_approved' | 'expired' | 'reused';

export type TicketVerdict =
  | { ok: true; decision: 'APPROVE'; ticketId: string; councilId: string; expiresAt: string }
  | { ok: false; reason: TicketRefusal; message: string };

/** The key of the council store: the data dir's file on SQLite, the one shared row on PostgreSQL. */
function ticketKey(deps: Deps): Promise<Buffer> {
  return deps.service('council-ticket-key', async (d) => {
    const store = await getCouncilStore(d);
    const key = await store.ticketKey();
    if (store.backend === 'sqlite') {
      const mode = statSync(join(d.dataDir, TICKET_KEY_FILE)).mode & 0o777;
      if (mode & 0o077) d.log.warn('council ticket key is readable by others; chmod 600 it', { mode: mode.toString(8) });
    }
    return key;
  });
}

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');
const mac = (key: Buffer, signed: string) => createHmac('sha256', key).update(signed, 'utf8').digest();

export function signTicket(key: Buffer, payload: TicketPayload): string {
  const signed = `${TICKET_PREFIX}.${b64url(JSON.stringify(payload))}`;
  return `${signed}.${b64url(mac(key, signed))}`;
}

/** Decode and authenticate a ticket (no expiry, order or single-use checks). */
export function openTicket(key: Buffer, ticket: string): { ok: true; payload: TicketPayload } | { ok: false; reason: 'malformed' | 'forged' } {
  const parts = typeof ticket === 'string' ? ticket.split('.') : [];
  if (parts.length !== 3 || parts[0] !== TICKET_PREFIX || !parts[1] || !parts[2] || ticket.length > 2048) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(parts[2], 'base64url');
  const expected = mac(key, `${parts[0]}.${parts[1]}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  let payload: TicketPayload;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TicketPayload;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (
    typeof payload !== 'object' ||
    payload === null ||
    typeof payload.id !== 'string' ||
    !HEX32.test(payload.id) ||
    typeof payload.h !== 'string' ||
    typeof payload.d !== 'string' ||
    !Number.isFinite(payload.exp) ||
    !Number.isFinite(payload.iat) ||
    typeof payload.c !== 'string'
  ) {
    return { ok: false, reason: 'malformed' };
  }
  return { ok: true, payload };
}

/** Sign a ticket for a council's decision on one order hash; expires after the profile's ticketTtlSec. */
export async function issueTicket(
  deps: Deps,
  args: { orderHash: string; decision: CouncilDecision; councilId: string; now?: Date; ttlSec?: number },
): Promise<IssuedTicket> {
  const key = await ticketKey(deps);
  const iat = Math.floor((args.now ?? new Date()).getTime() / 1000);
  const exp = iat + (args.ttlSec ?? deps.profile.council.ticketTtlSec);
  const id = randomBytes(16).toString('hex');
  const ticket = signTicket(key, { id, c: args.councilId, h: args.orderHash, d: args.decision, iat, exp });
  return { ticket, ticketId: id, expiresAt: new Date(exp * 1000).toISOString() };
}

/**
 * Verify a ticket for `orderHash` without spending it. Refuses, in this order: malformed, forged
 * (bad HMAC, e.g. another data dir's key or an edited payload), other_order, not_approved, expired,
 * reused (already spent by any process sharing the store). The gate spends it later, inside the
 * transaction that writes the order's INTENT (consumeTicketIn), so a refusal on the way there
 * (an Opus outage or REJECT, a halt) leaves it usable.
 */
export async function verifyTicket(deps: Deps, ticket: string, orderHash: string, now: Date = new Date()): Promise<TicketVerdict> {
  const key = await ticketKey(deps);
  const opened = openTicket(key, ticket);
  if (!opened.ok) {
    return opened.reason === 'forged'
      ? { ok: false, reason: 'forged', message: 'the council ticket does not verify: it was not issued by a council on this data dir, or it was altered' }
      : { ok: false, reason: 'malformed', message: 'the council ticket is malformed (expected the ticket string returned by council_vote)' };
  }
  const p = opened.payload;
  if (p.h !== orderHash) {
    return {
      ok: false,
      reason: 'other_order',
      message: `the council ticket is for order_hash ${p.h.slice(0, 12)}…, not this order (${orderHash.slice(0, 12)}…); any change to the order needs a new council vote`,
    };
  }
  if (p.d !== 'APPROVE') return { ok: false, reason: 'not_approved', message: `the council decided ${p.d} on this order, not APPROVE` };
  const nowSec = Math.floor(now.getTime() / 1000);
  if (nowSec >= p.exp)
    return { ok: false, reason: 'expired', message: `the council ticket expired at ${new Date(p.exp * 1000).toISOString()}; hold a new council vote` };
  const store = await getCouncilStore(deps);
  if (await store.ticketSpent(p.id)) return { ok: false, reason: 'reused', message: TICKET_REUSED };
  return { ok: true, decision: 'APPROVE', ticketId: p.id, councilId: p.c, expiresAt: new Date(p.exp * 1000).toISOString() };
}

export const TICKET_REUSED = 'the council ticket was already used; a ticket authorises one order submission';

/** Verify and spend at once (for callers outside the gate's INTENT transaction). */
export async function verifyAndConsumeTicket(deps: Deps, ticket: string, orderHash: string, now: Date = new Date()): Promise<TicketVerdict> {
  const verdict = await verifyTicket(deps, ticket, orderHash, now);
  if (!verdict.ok) return verdict;
  const store = await getCouncilStore(deps);
  if (!(await store.consumeTicket(verdict.ticketId, orderHash, now.toISOString()))) return { ok: false, reason: 'reused', message: TICKET_REUSED };
  return verdict;
}
