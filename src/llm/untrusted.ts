/**
 * Untrusted text made inert for a prompt (the rationale, lessons): every prompt that fences
 * caller- or agent-written text uses this one rule.
 * @example `<<<BEGIN RATIONALE ${nonce}>>>\n${neutraliseUntrusted(text)}\n<<<END RATIONALE ${nonce}>>>`
 */

/**
 * Make untrusted text inert inside its fence: control characters go, and every line is prefixed
 * so nothing in it can start a line of its own (a fake `order_hash:` line or a closing fence).
 */
export function neutraliseUntrusted(text: string): string {
  const cleaned = text
    .normalize('NFKC')
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/UNTRUSTED/gi, (m) => m.split('').join('\u00b7'));
  return cleaned
    .split('\n')
    .map((line) => `| ${line}`)
    .join('\n');
}
