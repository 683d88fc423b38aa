/**
 * npm run demo: a real MCP client drives the built server over stdio on the embedded defaults
 * (sim broker, offline embeddings, the shipped lessons) and prints each step readably.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';
import { lessonsStep } from './demo-steps/lessons.js';
import { councilStep } from './demo-steps/council.js';
import { arenaStep } from './demo-steps/arena.js';
import { brokerStep } from './demo-steps/broker.js';
import { riskDemoStep } from './demo-steps/risk.js';
import { technicalsStep } from './demo-steps/technicals.js';
import { llmStep } from './demo-steps/llm.js';
import { executionStep } from './demo-steps/execution.js';
import { positionsStep } from './demo-steps/positions.js';
import { simulatedStep } from './demo-steps/simulated.js';

export interface DemoContext {
  client: Client;
  profile: string;
  dataDir: string;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  print(text: string): void;
}

export interface DemoStep {
  title: string;
  /** Which profile's server the step talks to. */
  profile: 'analyst' | 'council' | 'executor';
  run(ctx: DemoContext): Promise<void>;
}

const DEMO_STEPS: DemoStep[] = [
  {
    title: 'Connect and list the tools of each profile',
    profile: 'analyst',
    async run(ctx) {
      const { tools } = await ctx.client.listTools();
      ctx.print(`profile ${ctx.profile}: ${tools.map((t) => t.name).join(', ')}`);
      const mode = await ctx.client.readResource({ uri: 'trading://mode' });
      const first = mode.contents[0];
      ctx.print(`trading://mode → ${first && 'text' in first ? first.text.replace(/\s+/g, ' ') : '(empty)'}`);
    },
  },
  simulatedStep, // the whole flow first: a filled order within the first minute
  brokerStep,
  technicalsStep,
  lessonsStep,
  councilStep,
  arenaStep,
  riskDemoStep,
  llmStep,
  executionStep,
  positionsStep,
];

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function connect(profile: string, dataDir: string): Promise<Client> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TRADING_MCP_LOG_LEVEL: 'warn' };
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [resolve(PACKAGE_ROOT, 'dist', 'src', 'cli.js'), '--profile', profile, '--data-dir', dataDir],
    env,
    stderr: 'inherit',
  });
  const client = new Client({ name: 'tars-demo', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function main(): Promise<void> {
  const dataDir = process.env.TRADING_MCP_HOME ?? mkdtempSync(join(tmpdir(), 'tars-demo-'));
  print(`tars-trading-mcp demo — data dir ${dataDir}\n`);
  const clients = new Map<string, Client>();
  const started = performance.now();
  let failures = 0;
  try {
    for (const [i, step] of DEMO_STEPS.entries()) {
      print(`── ${i + 1}. ${step.title} [${step.profile}] (at ${((performance.now() - started) / 1000).toFixed(1)} s)`);
      let client = clients.get(step.profile);
      if (!client) {
        client = await connect(step.profile, dataDir);
        clients.set(step.profile, client);
      }
      const c = client;
      try {
        await step.run({
          client: c,
          profile: step.profile,
          dataDir,
          print: (t) =>
            print(
              t
                .split('\n')
                .map((l) => `   ${l}`)
                .join('\n'),
            ),
          call: async (name, args = {}) => (await c.callTool({ name, arguments: args })) as CallToolResult,
        });
      } catch (err) {
        failures += 1;
        print(`   step failed: ${(err as Error).message}`);
      }
      print('');
    }
  } finally {
    for (const client of clients.values()) await client.close().catch(() => undefined);
  }
  print(failures ? `demo finished with ${failures} failed step(s)` : 'demo finished: every step ran');
  process.exitCode = failures ? 1 : 0;
}

void main();
