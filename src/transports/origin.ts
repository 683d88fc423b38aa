/**
 * Origin check for the HTTP transport (SPEC §11): an Origin header must be exactly one of the
 * server's own origins, scheme + host + port, or one configured in TRADING_MCP_HTTP_ORIGINS. A page
 * on http://127.0.0.1:9999 is another site than this server on port 3333, loopback or not.
 *
 * @example
 * const allowed = allowedOrigins(['127.0.0.1', 'localhost'], 3333, []);
 * originAllowed(allowed, 'http://localhost:3333'); // true
 * originAllowed(allowed, 'http://localhost:9999'); // false
 */

/** `http://name:port` for each host name the server answers to, plus the configured extras. */
export function allowedOrigins(names: readonly string[], port: number, extra: readonly string[]): Set<string> {
  const own = names.map((name) => {
    const host = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
    return new URL(`http://${host}:${port}`).origin;
  });
  return new Set([...own, ...extra]);
}

/** No Origin (not a browser) passes; otherwise it must be a well-formed origin in the set. */
export function originAllowed(allowed: ReadonlySet<string>, header: string | undefined): boolean {
  if (header === undefined) return true;
  try {
    return new URL(header).origin === header && allowed.has(header);
  } catch {
    return false; // "null" and other unparsable origins
  }
}
