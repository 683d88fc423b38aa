import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../../src/deps.js';
import { issueTicket, openTicket, signTicket, TICKET_KEY_FILE, verifyAndConsumeTicket, loadOrCreateTicketKey } from '../../../src/council/ticket.js';
import { councilDeps } from './helpers.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);
const opened: Deps[] = [];
const make = (dataDir?: string) => {
  const d = councilDeps(dataDir ? { dataDir } : {});
  opened.push(d);
  return d;
};
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

describe('council tickets', () => {
  it('verifies an APPROVE ticket for the same order once, then refuses it as reused', async () => {
    const deps = make();
    const t = await issueTicket(deps, { orderHash: HASH_A, decision: 'APPROVE', councilId: 'c1' });
    expect(t.ticket).toMatch(/^ctk1\.[\w-]+\.[\w-]+$/);
    const first = await verifyAndConsumeTicket(deps, t.ticket, HASH_A);
    expect(first).toMatchObject({ ok: true, decision: 'APPROVE', ticketId: t.ticketId, councilId: 'c1' });
    expect(await verifyAndConsumeTicket(deps, t.ticket, HASH_A)).toMatchObject({ ok: false, reason: 'reused' });
  });

  it('creates the key 0600 under the data dir and shares it with another process on the same dir (single use across them)', async () => {
    const a = make();
    const t = await issueTicket(a, { orderHash: HASH_A, decision: 'APPROVE', councilId: 'c1' });
    const keyPath = join(a.dataDir, TICKET_KEY_FILE);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyPath, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    const b = make(a.dataDir); // its own SQLite connection and key cache, like a second server process
    expect(await verifyAndConsumeTicket(b, t.ticket, HASH_A)).toMatchObject({ ok: true });
    expect(await verifyAndConsumeTicket(a, t.ticket, HASH_A)).toMatchObject({ ok: false, reason: 'reused' });
  });

  it('refuses a ticket for another order without spending it', async () => {
    const deps = make();
    const t = await issueTicket(deps, { orderHash: HASH_A, decision: 'APPROVE', councilId: 'c1' });
    expect(await verifyAndConsumeTicket(deps, t.ticket, HASH_B)).toMatchObject({ ok: false, reason: 'other_order' });
    expect(await verifyAndConsumeTicket(deps, t.ticket, HASH_A)).toMatchObject({ ok: true });
  });

  it('refuses an expired ticket', async () => {
    const deps = make();
    const past = new Date(Date.now() - 3_600_000);
    const t = await issueTicket(deps, { orderHash: HASH_A, decision: 'APPROVE', councilId: 'c1', now: past, ttlSec: 60 });
    expect(await verifyAndConsumeTicket(deps, t.ticket, HASH_A)).toMatchObject({ ok: false, reason: 'expired' });
    const fresh = await issueTicket(deps, { orderHash: HASH_A, decision: 'APPROVE', councilId: 'c2' }); // profile TTL 900 s
    const at = (s: number) => new Date(Date.now() + s * 1000);
    expect(await verifyAndConsumeTicket(deps, fresh.ticket, HASH_A, at(901))).toMatchObject({ ok: false, reason: 'expired' });
    expect(await verifyAndConsumeTicket(deps, fresh.ticket, HASH_A, at(880))).toMatchObject({ ok: true });
  });

  it.each(['REJECT', 'ABSTAIN'] as const)('refuses a %s ticket', async (decision) => {
    const deps = make();
    const t = await issueTicket(deps, { orderHash: HASH_A, decision, councilId: 'c1' });
    expect(await verifyAndConsumeTicket(deps, t.ticket, HASH_A)).toMatchObject({ ok: false, reason: 'not_approved' });
  });

  it('refuses forged tickets: another key, an edited payload, a re-signed decision, garbage', async () => {
    const deps = make();
    const real = await issueTicket(deps, { orderHash: HASH_A, decision: 'REJECT', councilId: 'c1' });
    const key = loadOrCreateTicketKey(deps.dataDir);
    const payload = (openTicket(key, real.ticket) as { ok: true; payload: Parameters<typeof signTicket>[1] }).payload;

    // signed with a key that is not this data dir's
    const otherKey = randomBytes(32);
    const foreign = signTicket(otherKey, { ...payload, d: 'APPROVE', id: randomBytes(16).toString('hex') });
    expect(await verifyAndConsumeTicket(deps, foreign, HASH_A)).toMatchObject({ ok: false, reason: 'forged' });

    // the REJECT payload edited to APPROVE, old signature kept
    const [prefix, , sig] = real.ticket.split('.');
    const edited = `${prefix}.${Buffer.from(JSON.stringify({ ...payload, d: 'APPROVE' })).toString('base64url')}.${sig}`;
    expect(await verifyAndConsumeTicket(deps, edited, HASH_A)).toMatchObject({ ok: false, reason: 'forged' });

    // another data dir's ticket (its own key)
    const elsewhere = make();
    const alien = await issueTicket(elsewhere, { orderHash: HASH_A, decision: 'APPROVE', councilId: 'c9' });
    expect(await verifyAndConsumeTicket(deps, alien.ticket, HASH_A)).toMatchObject({ ok: false, reason: 'forged' });

    for (const junk of ['', 'ctk1', 'ctk1..', 'x.y.z', `${prefix}.${'A'.repeat(5000)}.${sig}`, real.ticket.slice(0, -2)]) {
      const v = await verifyAndConsumeTicket(deps, junk, HASH_A);
      expect(v.ok).toBe(false);
      expect(['malformed', 'forged']).toContain((v as { reason: string }).reason);
    }
  });
});
