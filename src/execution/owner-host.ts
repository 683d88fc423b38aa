/**
 * This process's host as the owner of a claim, INTENT or close lock on a store shared by hosts: the
 * hostname plus the pid namespace, so containers that share a hostname (host networking, a fixed
 * `hostname:`) but number their pids apart — every one of them pid 1 — are never taken for one host.
 */
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid'); // e.g. pid:[4026531836]
  } catch {
    return ''; // not Linux: the hostname alone
  }
}

export const OWNER_HOST = [hostname(), pidNamespace()].filter(Boolean).join('/');
