import { performance } from 'node:perf_hooks';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Deps } from '../deps.js';
import { buildServer } from '../server.js';

/** Serve one client over stdio; resolves when the client goes away. */
export async function serveStdio(deps: Deps): Promise<void> {
  const imported = performance.now();
  const server = buildServer(deps);
  const built = performance.now();
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
    process.stdin.once('end', resolve);
  });
  await server.connect(transport);
  // ms since the process started: server and SDK modules imported, server built, transport connected
  const ms = (t: number) => Math.round(t * 10) / 10;
  deps.log.info('serving over stdio', {
    profile: deps.profile.name,
    mode: deps.mode,
    importedMs: ms(imported),
    builtMs: ms(built),
    connectedMs: ms(performance.now()),
  });
  await closed;
  await server.close().catch(() => undefined);
}
