import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApprovalStore } from '../../../src/execution/approvals.js';

const H = 'a'.repeat(64);
const summary = { order: 'BUY 1 AAPL at market (day)', kind: 'place', risk: null, confirmation: null };

describe('dashboard approvals', () => {
  it('bound to the hash, decided once, taken once; an expired request cannot be approved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tars-approvals-'));
    const [gate, page] = [await openApprovalStore(dir), await openApprovalStore(dir)];
    const t0 = new Date('2026-12-02T10:00:00Z');
    const req = gate.request(H, 'aud_1', summary, t0, 60);
    expect(page.pending(t0).map((r) => r.id)).toEqual([req.id]);
    expect(gate.take(req.id, H)).toBe(false); // nothing approved yet
    expect(page.decide(req.id, 'b'.repeat(64), 'approve', t0)).toEqual({ ok: false, reason: 'other_order' });
    expect(page.decide('00000000-0000-0000-0000-000000000000', H, 'approve', t0)).toEqual({ ok: false, reason: 'unknown' });
    expect(page.decide(req.id, H, 'approve', t0)).toEqual({ ok: true, status: 'approved' });
    expect(page.decide(req.id, H, 'decline', t0)).toEqual({ ok: false, reason: 'not_pending' });
    expect(gate.take(req.id, 'b'.repeat(64))).toBe(false);
    expect(gate.take(req.id, H)).toBe(true);
    expect(gate.take(req.id, H)).toBe(false);
    const late = gate.request(H, 'aud_2', summary, t0, 60);
    expect(page.decide(late.id, H, 'approve', new Date(t0.getTime() + 61_000))).toEqual({ ok: false, reason: 'expired' });
    expect(page.pending(new Date(t0.getTime() + 61_000))).toEqual([]);
  });
});
