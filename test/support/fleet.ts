/**
 * A fleet of BUILT servers on one PostgreSQL (SPEC §16): stdio replicas through the SDK's
 * StdioClientTransport and `--transport http --stateless` replicas through its Streamable HTTP
 * client, each with a data dir of its own and TRADING_MCP_DATABASE_URL pointing at one database.
 *
 * @example
 *   const fleet = await startFleet(db.url, env, ['stdio', 'stdio', 'http'], profilePath);
 *   await Promise.all(fleet.replicas.map((r) => callTool(r.client, 'get_account')));
 *   await fleet.replicas[0].kill(); // SIGKILL, resolved once the process is gone (reaped)
 *   await fleet.close();
 */
import type { ChildProcess } from 'node:child_process';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startServer } from './client.js';
import { startHttpServer } from './http-server.js';

export type ReplicaKind = 'stdio' | 'http';

/** Longest wait for an HTTP replica's listening URL (a loaded machine starts slowly). */
const START_MS = 120_000;

export interface Replica {
  name: string;
  kind: ReplicaKind;
  client: Client;
  pid: number;
  stderr(): string;
  /** SIGKILL; resolves once the process has exited (so its pid is no longer alive). */
  kill(): Promise<void>;
  close(): Promise<void>;
}

export interface Fleet {
  replicas: Replica[];
  close(): Promise<void>;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

async function stdioReplica(name: string, env: Record<string, string>, profile: string): Promise<Replica> {
  const s = await startServer({ profile, env });
  const gone = new Promise<void>((resolve) => {
    s.client.onclose = () => resolve();
  });
  const pid = s.pid as number;
  return {
    name,
    kind: 'stdio',
    client: s.client,
    pid,
    stderr: s.stderr,
    kill: async () => {
      process.kill(pid, 'SIGKILL');
      await gone;
    },
    close: () => s.close(),
  };
}

async function httpReplica(name: string, env: Record<string, string>, profile: string): Promise<Replica> {
  const children: ChildProcess[] = [];
  let timer: NodeJS.Timeout | undefined;
  const server = await Promise.race([
    // the bound URL is read from the info log
    startHttpServer(children, ['--stateless', '--profile', profile], { ...env, TRADING_MCP_LOG_LEVEL: 'info' }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name}: no listening URL within ${START_MS} ms`)), START_MS);
    }),
  ])
    .catch((err: unknown) => {
      for (const c of children) c.kill('SIGKILL'); // never leave a server behind
      throw err;
    })
    .finally(() => clearTimeout(timer));
  const client = new McpClient({ name: `fleet-${name}`, version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  const exited = exitOf(server.child);
  const kill = async () => {
    server.child.kill('SIGKILL');
    await exited;
  };
  return {
    name,
    kind: 'http',
    client,
    pid: server.child.pid as number,
    stderr: server.log,
    kill,
    close: async () => {
      await client.close().catch(() => undefined);
      await kill();
    },
  };
}

/** Start one replica per kind, all at once, on `databaseUrl` (added to `env`). */
export async function startFleet(databaseUrl: string, env: Record<string, string>, kinds: ReplicaKind[], profile: string): Promise<Fleet> {
  const withDb = { ...env, TRADING_MCP_DATABASE_URL: databaseUrl };
  const started = await Promise.allSettled(kinds.map((k, i) => (k === 'stdio' ? stdioReplica : httpReplica)(`${k}-${i}`, withDb, profile)));
  const replicas = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const close = async () => {
    await Promise.all(replicas.map((r) => r.close().catch(() => undefined)));
  };
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await close();
    throw (failed as PromiseRejectedResult).reason;
  }
  return { replicas, close };
}
