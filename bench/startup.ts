/**
 * Cold start: spawn → initialize → tools/list answered (and the client's listTools() resolved), for
 * our server (each profile) and for a minimal SDK server, interleaved in the same run; plus steady-state valid tool calls over stdio
 * (get_account, a passing check_risk) against the minimal server's echo (steadyCalls).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { ratio, summarize } from './stats.js';

const CLI = resolve(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
const MINIMAL = resolve(PACKAGE_ROOT, 'dist', 'bench', 'minimal-server.js');
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TRADING_MCP_LOG_LEVEL: 'warn' };

/**
 * One cold start: spawn → initialize → tools/list. `answeredMs` is when the server's tools/list
 * answer reached the client (the server's whole start-up); `listedMs` is when the SDK client's
 * listTools() resolved, which adds the client's own work on the answer (it compiles every tool's
 * outputSchema with Ajv: ~100 KB of schemas for our tools, one tool without one for the minimal server).
 */
async function coldStart(args: string[]): Promise<{ answeredMs: number; listedMs: number }> {
  const t0 = performance.now();
  const client = new Client({ name: 'bench', version: '1' });
  const transport = new StdioClientTransport({ command: process.execPath, args, env, stderr: 'ignore' });
  let answeredMs = Number.NaN;
  const start = transport.start.bind(transport);
  transport.start = async () => {
    await start();
    const deliver = transport.onmessage;
    transport.onmessage = (message) => {
      if ('id' in message && message.id === 1) answeredMs = performance.now() - t0; // id 0 is initialize, 1 tools/list
      deliver?.(message);
    };
  };
  await client.connect(transport);
  await client.listTools();
  const listedMs = performance.now() - t0;
  await client.close();
  return { answeredMs, listedMs };
}

type Call = { name: string; arguments: Record<string, unknown> };
type Opened = { client: Client; call: Call };

async function open(args: string[], call: Call, extraEnv: Record<string, string> = {}): Promise<Opened> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args, env: { ...env, ...extraEnv }, stderr: 'ignore' }));
  return { client, call };
}

/** One round of sequential calls on an open client: every call must succeed (a refusal would measure the wrong path). */
async function round(o: Opened, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    const r = await o.client.callTool(o.call);
    samples.push(performance.now() - s);
    if (r.isError) throw new Error(`${o.call.name} failed: ${JSON.stringify(r.content)}`);
  }
  return samples;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A passing check_risk: a 2-share SPY limit at the sim's ask with the market open (the e2e risk test's order). */
async function passingCheckRisk(o: Opened): Promise<Call> {
  const probe = await o.client.callTool({ name: 'check_risk', arguments: { symbol: 'SPY', side: 'buy', qty: 1, type: 'market' } });
  const checks = (probe.structuredContent as { checks: Array<{ code: string; actual: unknown }> }).checks;
  const price = Math.round((checks.find((c) => c.code === 'RISK_MAX_NOTIONAL')!.actual as number) * 100) / 100;
  const call = { name: 'check_risk', arguments: { symbol: 'SPY', side: 'buy', qty: 2, type: 'limit', limit_price: price } };
  const r = await o.client.callTool(call);
  if (!(r.structuredContent as { passed?: boolean }).passed) throw new Error(`check_risk does not pass: ${JSON.stringify(r.structuredContent)}`);
  return call;
}

/**
 * Steady-state tool calls over stdio, valid calls through the handlers: get_account and a passing
 * check_risk (sim broker, clock pinned to an open market) against a minimal SDK server's echo.
 * The three servers stay open and take turns, round by round; each round's p50 is divided by the
 * echo's p50 of the same round, and the figure is the median of those ratios.
 */
export async function steadyCalls(rounds = 7, perRound = 200): Promise<Record<string, unknown>> {
  const simEnv = { TRADING_MCP_SIM_CLOCK: '2026-03-10T15:00:00.000Z' };
  const ourArgs = (dir: string) => [CLI, '--profile', 'analyst', '--data-dir', dir];
  const echo = await open([MINIMAL], { name: 'echo', arguments: { text: 'hi' } });
  const account = await open(ourArgs(mkdtempSync(join(tmpdir(), 'tars-bench-'))), { name: 'get_account', arguments: {} }, simEnv);
  const risk = await open(ourArgs(mkdtempSync(join(tmpdir(), 'tars-bench-'))), { name: 'check_risk', arguments: {} }, simEnv);
  risk.call = await passingCheckRisk(risk);
  const servers = { echo, get_account: account, check_risk: risk };
  try {
    for (const o of Object.values(servers)) await round(o, 100); // warm-up
    const p50: Record<string, number[]> = { echo: [], get_account: [], check_risk: [] };
    const all: Record<string, number[]> = { echo: [], get_account: [], check_risk: [] };
    for (let r = 0; r < rounds; r++) {
      for (const [name, o] of Object.entries(servers)) {
        const samples = await round(o, perRound);
        p50[name]!.push(summarize(samples).p50);
        all[name]!.push(...samples);
      }
    }
    const ratios = (name: string) => ratio(median(p50[name]!.map((v, i) => v / p50.echo![i]!)), 1);
    return {
      rounds,
      callsPerRound: perRound,
      echoMs: summarize(all.echo!),
      getAccountMs: summarize(all.get_account!),
      checkRiskPassingMs: summarize(all.check_risk!),
      getAccountRatioP50: ratios('get_account'),
      checkRiskRatioP50: ratios('check_risk'),
      goals: { getAccountRatioP50: 2, checkRiskRatioP50: 3 },
      note: 'valid calls through the handlers (get_account; check_risk passing a 2-share SPY limit), sim broker; ratio = median over rounds of p50 / echo p50 in the same round',
    };
  } finally {
    for (const o of Object.values(servers)) await o.client.close();
  }
}

/** Cold starts of each profile and of the minimal server, interleaved round by round. */
export async function coldStarts(rounds = 12): Promise<Record<string, unknown>> {
  const profiles = ['analyst', 'council', 'executor'];
  const answered: Record<string, number[]> = { minimal: [], ...Object.fromEntries(profiles.map((p) => [p, []])) };
  const listed: Record<string, number[]> = { minimal: [], ...Object.fromEntries(profiles.map((p) => [p, []])) };
  const record = (name: string, r: { answeredMs: number; listedMs: number }) => {
    answered[name]!.push(r.answeredMs);
    listed[name]!.push(r.listedMs);
  };
  for (let i = 0; i < rounds; i++) {
    record('minimal', await coldStart([MINIMAL]));
    for (const profile of profiles) record(profile, await coldStart([CLI, '--profile', profile, '--data-dir', mkdtempSync(join(tmpdir(), 'tars-bench-'))]));
  }
  const base = summarize(answered.minimal!);
  const baseListed = summarize(listed.minimal!);
  const result: Record<string, unknown> = { rounds, minimalSdkServerMs: base, minimalSdkServerListedMs: baseListed };
  for (const profile of profiles) {
    const s = summarize(answered[profile]!);
    const l = summarize(listed[profile]!);
    result[`${profile}Ms`] = s;
    result[`${profile}RatioP50`] = ratio(s.p50, base.p50);
    result[`${profile}ListedMs`] = l;
    result[`${profile}ListedRatioP50`] = ratio(l.p50, baseListed.p50);
  }
  result.goals = { ratioP50: 1.3 };
  result.coldStartNote =
    "*Ms / *RatioP50: spawn until the tools/list answer reaches the client (the server's start-up); *ListedMs: until the SDK client's listTools() resolves, which adds the client compiling every tool's outputSchema with Ajv (client-side work on ~100 KB of schemas; the minimal server has one tool and no outputSchema)";
  return result;
}

export async function run(): Promise<Record<string, unknown>> {
  return { ...(await coldStarts()), sequentialCalls: await steadyCalls() };
}
