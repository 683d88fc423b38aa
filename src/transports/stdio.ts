import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Deps } from '../deps.js';
import { buildServer } from '../server.js';

/** Serve one client over stdio; resolves when the client goes away. */
export async function serveStdio(deps: Deps): Promise<void> {
  const server = buildServer(deps);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
    process.stdin.once('end', resolve);
  });
  await server.connect(transport);
  deps.log.info('serving over stdio', { profile: deps.profile.name, mode: deps.mode });
  await closed;
  await server.close().catch(() => undefined);
}
