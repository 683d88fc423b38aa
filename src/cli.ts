#!/usr/bin/env node
/**
 * tars-trading-mcp: argv/env → config → profile → deps → server → transport, and the
 * sub-commands for people (doctor, halt, resume, status). Misconfiguration exits non-zero with
 * one clear line on stderr. Only the protocol ever goes to stdout while serving.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { bootstrap, bootstrapForHalt } from './bootstrap.js';
import { ConfigError, type FlagValues } from './config.js';
import type { Deps } from './deps.js';
import { SERVER_VERSION } from './version.js';

export const USAGE = `tars-trading-mcp ${SERVER_VERSION} — an MCP server of curated, safe trading tools

Usage:
  tars-trading-mcp [options]              serve MCP (stdio by default)
  tars-trading-mcp doctor [--json] [--write-tiers]
                                          check configuration, keys, gateway models and prices, broker, data dir
  tars-trading-mcp halt [--reason TEXT]   stop all trading (kill switch; survives restarts)
  tars-trading-mcp resume                 clear the kill switch (the only way to clear it)
  tars-trading-mcp status                 halt state, today's P&L base, recent orders
  tars-trading-mcp init [--profile P] [--data-dir D] [--client claude-desktop|claude-code|cursor|vscode] [--force]
                                          write a config file (keys asked on a terminal, else read from the
                                          variables set), run doctor on it, print the client's snippet
  tars-trading-mcp dashboard [--port 3334] a local page over the data dir: spend, the audit, councils, the arena,
                                          the halt button, and the approvals of profiles with humanApproval "dashboard"
  tars-trading-mcp digest                 today's spend, trades and halt state, printed and sent to the notification sinks
  tars-trading-mcp lessons drafts         the draft lessons written from losing trades
  tars-trading-mcp lessons promote ID     make a reviewed draft a lesson (searchable, shown at the gate)

Options:
  --profile analyst|council|executor|PATH.json   tools and risk limits (env TRADING_MCP_PROFILE; default analyst)
  --transport stdio|http                          (default stdio)
  --host HOST                                     HTTP bind address (default 127.0.0.1)
  --port PORT                                     HTTP port (default 3333)
  --http-max-sessions N                           live HTTP sessions at most (default 64)
  --http-session-idle-ms MS                       close an HTTP session idle this long (default 900000)
  --stateless                                     HTTP without sessions: a fresh server per request (replicas)
  --allowed-hosts H1,H2                           Host names (no port) HTTP answers to besides loopback and the bind address
  --tools T1,T2                                   only these of the profile's tools (never adds one)
  --exclude-tools T1,T2                           drop these of the profile's tools
  --read-only                                     only read-only tools
  --simulated-models                              scripted stand-in models, no key needed (sim broker only)
  --data-dir DIR                                  data dir (env TRADING_MCP_HOME; default ~/.tars-trading-mcp)
  --broker sim|alpaca                             (default alpaca when APCA_API_KEY_ID/APCA_API_SECRET_KEY are set, else sim)
  --config FILE                                   JSON config file (precedence: defaults < file < env < flags)
  -h, --help                                      this help
  -v, --version                                   print the version

Environment: see README.md (LLM_GATEWAY_BASE_URL, LLM_GATEWAY_API_KEY/TETRATE_API_KEY, TRADING_MCP_DAILY_BUDGET_USD,
TRADING_MCP_MONTHLY_BUDGET_USD, TRADING_MCP_TIERS, APCA_API_*, TRADING_MCP_ALLOW_LIVE, TRADING_MCP_HTTP_TOKEN,
TRADING_MCP_HTTP_ORIGINS, ...).
`;

const SUBCOMMANDS = ['serve', 'doctor', 'halt', 'resume', 'status', 'lessons', 'init', 'dashboard', 'digest'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

function fail(message: string, code = 2): never {
  process.stderr.write(`tars-trading-mcp: ${message}\n`);
  process.exit(code);
}

function parseCli(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      config: { type: 'string' },
      profile: { type: 'string' },
      transport: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      broker: { type: 'string' },
      'http-max-sessions': { type: 'string' },
      'http-session-idle-ms': { type: 'string' },
      'allowed-hosts': { type: 'string' },
      stateless: { type: 'boolean' },
      tools: { type: 'string' },
      'exclude-tools': { type: 'string' },
      'read-only': { type: 'boolean' },
      'simulated-models': { type: 'boolean' },
      json: { type: 'boolean' },
      'write-tiers': { type: 'boolean' },
      reason: { type: 'string' },
      client: { type: 'string' },
      force: { type: 'boolean' },
    },
  });
  const command = (positionals[0] ?? 'serve') as Subcommand;
  if (!SUBCOMMANDS.includes(command)) throw new ConfigError(`unknown command "${positionals[0]}" (try --help)`);
  const args = positionals.slice(1);
  if (command === 'lessons') {
    const ok = (args[0] === 'drafts' && args.length === 1) || (args[0] === 'promote' && args.length === 2);
    if (!ok) throw new ConfigError('usage: tars-trading-mcp lessons drafts | lessons promote ID');
  } else if (args.length) throw new ConfigError(`unexpected arguments: ${args.join(' ')}`);
  return { values, command, args };
}

async function main(): Promise<void> {
  const modulesLoaded = performance.now(); // ms since the process started: node itself and cli.js's static imports
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(process.argv.slice(2));
  } catch (err) {
    fail((err as Error).message);
  }
  const { values, command, args } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.version) {
    process.stdout.write(`${SERVER_VERSION}\n`);
    return;
  }
  if (command === 'init') {
    try {
      const { runInit } = await import('./init.js');
      const { out, code } = await runInit(values);
      process.stdout.write(`${out}\n`);
      process.exit(code);
    } catch (err) {
      fail((err as Error).message, err instanceof ConfigError ? 2 : 1);
    }
  }
  let deps: Deps;
  try {
    deps = command === 'halt' ? bootstrapForHalt(values as FlagValues) : bootstrap(values as FlagValues);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    fail(`start-up failed: ${(err as Error).message}`, 1);
  }

  const shutdown = async (code: number) => {
    await deps.close();
    process.exit(code);
  };

  // SPEC §16: with TRADING_MCP_DATABASE_URL set, an unreachable database stops start-up with one line (unset: no driver loaded)
  if ((command === 'serve' || command === 'dashboard') && deps.config.databaseUrl) {
    const { connectPostgres } = await import('./store/postgres/index.js');
    const line = await connectPostgres(deps);
    if (line) {
      await deps.close();
      fail(line, 1);
    }
  }

  if (command === 'dashboard') {
    process.once('SIGINT', () => void shutdown(0));
    process.once('SIGTERM', () => void shutdown(0));
    try {
      const { serveDashboard } = await import('./dashboard/server.js');
      const port = values.port === undefined ? 3334 : deps.config.port;
      const { url, key } = await serveDashboard(deps, port);
      // the key is what lets this page (and nothing else on the machine) approve: it goes to the terminal only
      process.stderr.write(`tars-trading-mcp dashboard for ${deps.dataDir}\n  open ${url}#key=${key}\n`);
      deps.log.info('serving the dashboard', { url, dataDir: deps.dataDir });
    } catch (err) {
      await deps.close();
      fail((err as Error).message, err instanceof ConfigError ? 2 : 1);
    }
    return;
  }

  if (command === 'serve') {
    process.once('SIGINT', () => void shutdown(0));
    process.once('SIGTERM', () => void shutdown(0));
    // a halt from before this process started is announced once (sinks, log, subscribing clients)
    void (await import('./risk/startup-halt.js')).startupHalt(deps);
    // start-up steps, ms since the process started (debug log; bench/startup.ts measures the whole)
    const ms = (t: number) => Math.round(t * 10) / 10;
    deps.log.debug('start-up', { modulesLoadedMs: ms(modulesLoaded), bootstrappedMs: ms(performance.now()) });
    try {
      const otel = await import('./telemetry/otel.js');
      if (otel.tracingRequested(process.env)) await otel.startTracing(deps);
      if (deps.config.transport === 'http') {
        const { serveHttp } = await import('./transports/http.js');
        await serveHttp(deps);
        return; // the listener keeps the process alive
      }
      const { serveStdio } = await import('./transports/stdio.js');
      await serveStdio(deps);
      await shutdown(0);
    } catch (err) {
      if (err instanceof ConfigError) {
        await deps.close();
        fail(err.message);
      }
      deps.log.error('server failed', { err });
      await shutdown(1);
    }
    return;
  }

  // Human-facing sub-commands: their output goes to stdout; they never run beside the protocol.
  try {
    const { out, code } = await forPeople(deps, command, args, values);
    process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
    await shutdown(code);
  } catch (err) {
    process.stderr.write(`tars-trading-mcp ${command}: ${(err as Error).message}\n`);
    await shutdown(1);
  }
}

/** A sub-command for people: the text to print and the exit code. */
async function forPeople(
  deps: Deps,
  command: Subcommand,
  args: string[],
  values: ReturnType<typeof parseCli>['values'],
): Promise<{ out: string; code: number }> {
  if (command === 'doctor') {
    const { runDoctor } = await import('./doctor/index.js');
    const results = await runDoctor(deps, { writeTiers: Boolean(values['write-tiers']) });
    const out = values.json
      ? JSON.stringify(results, null, 2)
      : results
          .map((r) => `${r.status === 'ok' ? ' ok ' : r.status === 'warn' ? 'warn' : 'FAIL'}  ${r.area.padEnd(8)} ${r.name.padEnd(22)} ${r.detail}`)
          .join('\n');
    return { out, code: results.some((r) => r.status === 'fail') ? 1 : 0 };
  }
  if (command === 'digest') {
    const { sendDigest } = await import('./telemetry/digest.js');
    const { text, sinks } = await sendDigest(deps);
    return { out: `${text}\n(${sinks ? `sent to ${sinks} sink(s)` : 'no notification sink configured, or none answered'})`, code: 0 };
  }
  if (command === 'lessons') {
    const { listDrafts, promoteLesson } = await import('./lessons/promote.js');
    return { out: args[0] === 'promote' ? await promoteLesson(deps, args[1]!) : await listDrafts(deps), code: 0 };
  }
  const commands = await import('./risk/commands.js');
  if (command === 'halt') return commands.haltFromCli(deps, values.reason ?? 'halted from the command line');
  const out = command === 'resume' ? await commands.resumeCommand(deps) : await commands.statusCommand(deps);
  return { out, code: 0 };
}

void main();
