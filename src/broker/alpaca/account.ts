/** Alpaca account, positions and clock reads. */
import { z } from 'zod';
import type { Account, Clock, Position } from '../types.js';
import type { AlpacaClient } from './client.js';
import { toAccount, toPosition } from './map.js';
import { WireAccount, WireClock, WirePosition } from './wire.js';

export async function getAccount(c: AlpacaClient): Promise<Account> {
  const a = await c.caller.call({ what: 'GET /v2/account', method: 'GET' }, () => c.api.accounts.getAccountRaw(), WireAccount);
  return toAccount(a, c.mode);
}

export async function getPositions(c: AlpacaClient): Promise<Position[]> {
  const list = await c.caller.call({ what: 'GET /v2/positions', method: 'GET' }, () => c.api.positions.getAllOpenPositionsRaw(), z.array(WirePosition));
  return list.map(toPosition);
}

export async function getClock(c: AlpacaClient): Promise<Clock> {
  const k = await c.caller.call({ what: 'GET /v2/clock', method: 'GET' }, () => c.api.clock.legacyClockRaw(), WireClock);
  return { timestamp: k.timestamp, isOpen: k.is_open, nextOpen: k.next_open, nextClose: k.next_close };
}
