import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { councilChecks } from '../../../src/council/doctor.js';
import { issueTicket } from '../../../src/council/ticket.js';
import { councilDeps } from './helpers.js';

const byName = async (d: ReturnType<typeof councilDeps>) => Object.fromEntries((await councilChecks(d, { writeTiers: false })).map((r) => [r.name, r]));

describe('council doctor checks', () => {
  it('reports members, budget headroom and the key; warns on a loose key mode, fails on a malformed key', async () => {
    const d = councilDeps();
    let r = await byName(d);
    expect(r['council members']?.status).toBe('ok');
    expect(r['council budget']?.detail).toMatch(/covers about \d+ full councils/);
    await issueTicket(d, { orderHash: 'a'.repeat(64), decision: 'APPROVE', councilId: 'c' });
    expect((await byName(d))['council ticket key']?.status).toBe('ok');
    chmodSync(join(d.dataDir, 'council-ticket.key'), 0o644);
    expect((await byName(d))['council ticket key']?.status).toBe('warn');
    writeFileSync(join(d.dataDir, 'council-ticket.key'), 'not a key');
    r = await byName(d);
    expect(r['council ticket key']?.status).toBe('fail');
    await d.close();
  });

  it('fails a member whose named model has no price (it would always be refused)', async () => {
    const d = councilDeps({ council: { members: [{ tier: 'reasoning' }, { tier: 'options', model: 'gpt-unpriced' }] } });
    expect((await byName(d))['council members']).toMatchObject({ status: 'fail' });
    await d.close();
  });
});
