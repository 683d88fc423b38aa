/**
 * The council bench's gateway, in a worker thread of its own: the loopback fake gateway (test/support) with each
 * bench member's latency injected, so that the gateway's own work (accepting, parsing, answering eight requests)
 * runs beside the council as a remote gateway's would, not on the council's event loop.
 * Messages: { size, injected } (member i of `size` answers after memberLatency(i, size) ms when injected) → 'ok';
 * 'close' → closes the gateway and ends the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { TierTable } from '../src/llm/tiers.js';
import { startFakeGateway } from '../test/support/fake-gateway.js';

export interface GatewayWorkerData {
  table: TierTable;
  fastestMs: number;
  slowestMs: number;
  /** Models answering after slowestMs whatever the size (the single-call baseline). */
  slowestModels: string[];
}

/** Member i of n answers after this many ms; the last is the slowest. */
export const memberLatency = (i: number, n: number, fastestMs: number, slowestMs: number): number =>
  n === 1 ? slowestMs : Math.round(fastestMs + ((slowestMs - fastestMs) * i) / (n - 1));

export const VOTE_REPLY = JSON.stringify({ vote: 'APPROVE', confidence: 0.8, reasoning: 'bench' });

async function main(): Promise<void> {
  const data = workerData as GatewayWorkerData;
  const port = parentPort!;
  const gw = await startFakeGateway({ tiers: data.table, keepAliveTimeoutMs: 30_000 });
  let size = 1;
  let injected = true;
  gw.script((req) => {
    const member = /^bench-member-(\d+)$/.exec(req.model ?? '');
    const ms = member
      ? memberLatency(Number(member[1]) - 1, size, data.fastestMs, data.slowestMs)
      : data.slowestModels.includes(req.model ?? '')
        ? data.slowestMs
        : 0;
    return { latencyMs: injected ? ms : 0, content: VOTE_REPLY };
  });
  port.on('message', (m: { size: number; injected: boolean } | 'close') => {
    if (m === 'close') {
      void gw.close().then(() => port.close());
      return;
    }
    size = m.size;
    injected = m.injected;
    gw.requests.length = 0; // the log is not read here: keep the worker's memory flat
    port.postMessage('ok');
  });
  port.postMessage({ url: gw.url });
}

if (parentPort) void main();
