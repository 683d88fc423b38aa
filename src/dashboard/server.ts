/**
 * `tars-trading-mcp dashboard [--port 3334]` (SPEC §17): a local page over the data dir's stores. node:http,
 * no framework: a handful of routes.
 *   GET  /                       the page (assets/dashboard/), uPlot from the package's dependency
 *   GET  /api/state              everything the page shows (state.ts)
 *   POST /api/halt               {reason} → the kill switch (halting is always safe; resume stays on the CLI)
 *   POST /api/approvals/{id}     {decision: approve|decline, order_hash} → the approval store, bound to the hash
 *   GET  /metrics                Prometheus text format (telemetry/metrics.ts)
 * Loopback by default; off loopback only with TRADING_MCP_HTTP_TOKEN (a bearer token on every request), as the
 * HTTP transport. Every /api and /metrics request also needs the per-start key printed on the terminal
 * (`x-dashboard-key`, the page reads it from its URL's #key=…), so another local process or page cannot read
 * the audit or approve an order. The Host header must name this server (loopback names, the bind address,
 * `--allowed-hosts`) and an Origin, when sent, must be one of them too: a page on another name that DNS
 * rebinding points at 127.0.0.1 gets nothing, not even the page. Nothing the page loads leaves the machine.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config.js';
import type { Deps } from '../deps.js';
import { ASSETS_DIR } from '../paths.js';
import { hostNames, isLoopbackHost, secretMatches, tokenMatches } from '../transports/http.js';
import { allowedOrigins, originAllowed } from '../transports/origin.js';
import { dashboardState } from './state.js';

export interface DashboardHandle {
  url: string;
  key: string;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const UPLOT_DIR = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: join(ASSETS_DIR, 'dashboard', 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: join(ASSETS_DIR, 'dashboard', 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: join(ASSETS_DIR, 'dashboard', 'app.css'), type: 'text/css; charset=utf-8' },
  '/uPlot.iife.min.js': { file: join(UPLOT_DIR, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/uPlot.min.css': { file: join(UPLOT_DIR, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, ...SECURITY_HEADERS });
  res.end(body);
}
const json = (res: ServerResponse, status: number, body: unknown) => send(res, status, 'application/json', JSON.stringify(body));

/** The name in a Host header or an Origin's authority, without the port ("[::1]" keeps its brackets). */
function nameOf(authority: string): string {
  const a = authority.toLowerCase();
  return a.startsWith('[') ? a.slice(0, a.indexOf(']') + 1) : (a.split(':')[0] ?? '');
}

/**
 * DNS rebinding and cross-site writes: the Host must be one of our names, and an Origin the browser sends must
 * be exactly one of our origins, port included (the HTTP transport's rule, transports/origin.ts).
 */
function addressedToUs(names: readonly string[], origins: ReadonlySet<string>, req: IncomingMessage): boolean {
  const host = req.headers.host;
  return typeof host === 'string' && names.includes(nameOf(host)) && originAllowed(origins, req.headers.origin);
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 16_384) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('body must be a JSON object');
  return parsed as Record<string, unknown>;
}

async function halt(deps: Deps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const b = await body(req);
  const reason = typeof b.reason === 'string' && b.reason.trim() ? b.reason.trim().slice(0, 500) : 'halted from the dashboard';
  const { getRiskState } = await import('../risk/state.js');
  const status = await (await getRiskState(deps)).halt(reason, 'dashboard');
  deps.log.warn('trading halted from the dashboard', { reason });
  json(res, 200, status);
}

async function decide(deps: Deps, id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const b = await body(req);
  if ((b.decision !== 'approve' && b.decision !== 'decline') || typeof b.order_hash !== 'string') {
    return json(res, 400, { error: 'send {decision: "approve"|"decline", order_hash} for the order you were shown' });
  }
  const { getApprovalStore } = await import('../execution/approvals.js');
  const result = await (await getApprovalStore(deps)).decide(id, b.order_hash, b.decision, new Date());
  deps.log.info('dashboard approval decision', { approval: id, decision: b.decision, ok: result.ok, ...(result.ok ? {} : { reason: result.reason }) });
  json(res, result.ok ? 200 : result.reason === 'unknown' ? 404 : 409, result);
}

async function route(deps: Deps, key: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
  const asset = STATIC[path];
  if (req.method === 'GET' && asset) return send(res, 200, asset.type, readFileSync(asset.file));
  if (req.method === 'GET' && path === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
  if (!secretMatches(key, req.headers['x-dashboard-key']))
    return json(res, 403, { error: 'the dashboard key printed on the terminal is needed (open the URL it printed)' });
  if (req.method === 'GET' && path === '/api/state') return json(res, 200, await dashboardState(deps));
  if (req.method === 'GET' && path === '/metrics') {
    const { contentType, body: text } = await (await import('../telemetry/metrics.js')).scrape(deps);
    return send(res, 200, contentType, text);
  }
  if (req.method === 'POST' && path === '/api/halt') return halt(deps, req, res);
  const approval = /^\/api\/approvals\/([0-9a-f-]{36})$/.exec(path);
  if (req.method === 'POST' && approval) return decide(deps, approval[1]!, req, res);
  json(res, 404, { error: `no ${req.method} ${path}` });
}

export async function serveDashboard(deps: Deps, port: number): Promise<DashboardHandle> {
  const { host, httpToken } = deps.config;
  if (!isLoopbackHost(host) && !httpToken) throw new ConfigError(`refusing to serve the dashboard on non-loopback host ${host} without TRADING_MCP_HTTP_TOKEN`);
  const key = randomBytes(16).toString('hex');
  const names = hostNames(host, deps.config.http.allowedHosts);
  let origins = new Set<string>(); // filled once the port is bound (--port 0 picks one)
  const server: Server = createServer((req, res) => {
    if (!addressedToUs(names, origins, req)) return json(res, 421, { error: 'this dashboard answers only to its own host name (see --allowed-hosts)' });
    if (httpToken && !tokenMatches(httpToken, req.headers.authorization)) return json(res, 401, { error: 'a valid bearer token is required' });
    route(deps, key, req, res).catch((err: Error) => {
      deps.log.error('dashboard request failed', { url: req.url, err: err.message });
      if (!res.headersSent) json(res, err instanceof SyntaxError || /body/.test(err.message) ? 400 : 500, { error: err.message.slice(0, 200) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  origins = allowedOrigins(names, bound, deps.config.http.allowedOrigins);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`;
  return { url, key, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
