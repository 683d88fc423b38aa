/**
 * The session registry on its own, on a hand-driven clock: the cap counts sessions still
 * initializing, an idle session is closed (and only when no POST is in flight), and a session is
 * found only with the credential that opened it. The HTTP behaviour is in test/e2e/http.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { credentialOf, SessionRegistry } from '../../../src/transports/http-sessions.js';
import { allowedOrigins, originAllowed } from '../../../src/transports/origin.js';

class Transport {
  closes = 0;
  async close(): Promise<void> {
    this.closes++;
  }
}

function registry(maxSessions: number, idleMs = 10_000) {
  const clock = { t: 1_000_000 };
  const expired: string[] = [];
  const r = new SessionRegistry<Transport>(
    { maxSessions, idleMs },
    (id) => expired.push(id),
    () => clock.t,
  );
  return { r, clock, expired };
}

const alice = credentialOf({ headers: { authorization: 'Bearer alice-secret' } });
const mallory = credentialOf({ headers: { authorization: 'Bearer mallory' } });
const nobody = credentialOf({ headers: {} });

describe('SessionRegistry', () => {
  it('the cap counts sessions still initializing; a released or closed one frees its slot', async () => {
    const { r } = registry(2);
    const a = r.reserve()!;
    const b = r.reserve()!;
    expect(r.reserve()).toBeNull();
    b.release();
    b.release(); // twice frees once
    const c = r.reserve()!;
    expect(r.reserve()).toBeNull();
    a.commit('a', new Transport(), alice);
    c.commit('c', new Transport(), alice);
    expect(r.size).toBe(2);
    expect(r.reserve()).toBeNull();
    r.remove('a');
    expect(r.reserve()).not.toBeNull();
    await r.closeAll();
  });

  it('finds a session only with the credential that opened it', async () => {
    const { r } = registry(4);
    const t = new Transport();
    r.reserve()!.commit('s', t, alice);
    r.reserve()!.commit('anon', new Transport(), nobody);
    expect(r.find('s', alice)).toBe(t);
    expect(r.find('s', mallory)).toBeUndefined();
    expect(r.find('s', nobody)).toBeUndefined();
    expect(r.find('anon', alice)).toBeUndefined();
    expect(r.find('anon', nobody)).toBeDefined();
    expect(r.find('nope', alice)).toBeUndefined();
    await r.closeAll();
  });

  it('closes a session idle past the limit, not one with a POST in flight; Retry-After is the stalest expiry', async () => {
    const { r, clock, expired } = registry(2, 10_000);
    const idle = new Transport();
    const busy = new Transport();
    r.reserve()!.commit('idle', idle, alice);
    r.reserve()!.commit('busy', busy, alice);
    const end = r.begin('busy', true);
    clock.t += 4_000;
    expect(r.retryAfterSeconds()).toBe(6);
    clock.t += 6_000;
    expect(await r.sweep()).toBe(1);
    expect(expired).toEqual(['idle']);
    expect([idle.closes, busy.closes]).toEqual([1, 0]);
    expect(r.find('idle', alice)).toBeUndefined();
    clock.t += 60_000;
    expect(await r.sweep()).toBe(0); // a long tool call is activity
    end();
    clock.t += 9_999;
    expect(await r.sweep()).toBe(0); // the response's end is activity too
    clock.t += 1;
    expect(await r.sweep()).toBe(1);
    expect(busy.closes).toBe(1);
    expect(r.size).toBe(0);
  });

  it('a request that does not count (a notification stream) still refreshes the clock but never pins the session', async () => {
    const { r, clock } = registry(1, 1_000);
    r.reserve()!.commit('s', new Transport(), alice);
    clock.t += 900;
    r.begin('s', false);
    clock.t += 900;
    expect(await r.sweep()).toBe(0);
    clock.t += 100;
    expect(await r.sweep()).toBe(1);
  });
});

describe('Origin: scheme + host + port', () => {
  const allowed = allowedOrigins(['127.0.0.1', 'localhost', '[::1]', '::1'], 3333, ['http://localhost:6274']);
  it("admits the server's own origins and the configured ones only", () => {
    for (const o of ['http://127.0.0.1:3333', 'http://localhost:3333', 'http://[::1]:3333', 'http://localhost:6274', undefined])
      expect(originAllowed(allowed, o), String(o)).toBe(true);
    for (const o of [
      'http://127.0.0.1:9999',
      'https://127.0.0.1:3333',
      'http://localhost',
      'http://evil.example:3333',
      'null',
      '',
      'http://localhost:3333/',
      'HTTP://localhost:3333',
      'http://127.0.0.1:6274',
    ]) {
      expect(originAllowed(allowed, o), o).toBe(false);
    }
  });
  it('a default port is spelled as browsers spell it', () => {
    expect(originAllowed(allowedOrigins(['localhost'], 80, []), 'http://localhost')).toBe(true);
  });
});
