#!/usr/bin/env python3
"""Complete package-lock.json with LanceDB's native packages for other platforms.

npm writes lock entries only for optional packages it can resolve, and this workplace's registry
mirror lacks LanceDB's non-x64 builds; `npm ci` then refuses the lock ("Missing: ... from lock file").
The entries added here are what npm writes on a machine that sees the full registry: optional,
with os/cpu/libc, so npm skips them on any other platform without fetching them.
Run after any `npm install` that touches @lancedb/lancedb.
"""
import json, sys

path = sys.argv[1] if len(sys.argv) > 1 else 'package-lock.json'
lock = json.load(open(path))
packages = lock['packages']
lancedb = packages['node_modules/@lancedb/lancedb']
PLATFORMS = {
    'darwin-arm64': (['darwin'], ['arm64'], None),
    'linux-x64-gnu': (['linux'], ['x64'], ['glibc']),
    'linux-arm64-gnu': (['linux'], ['arm64'], ['glibc']),
    'linux-x64-musl': (['linux'], ['x64'], ['musl']),
    'linux-arm64-musl': (['linux'], ['arm64'], ['musl']),
    'win32-x64-msvc': (['win32'], ['x64'], None),
    'win32-arm64-msvc': (['win32'], ['arm64'], None),
}
added = 0
for name, version in lancedb.get('optionalDependencies', {}).items():
    suffix = name.removeprefix('@lancedb/lancedb-')
    key = f'node_modules/{name}'
    if suffix not in PLATFORMS or key in packages:
        continue
    os_, cpu, libc = PLATFORMS[suffix]
    # npm's own key order, so a later `npm install` leaves the file as it is
    entry = {'version': version, 'cpu': cpu}
    if libc:
        entry['libc'] = libc
    entry.update({'license': 'Apache-2.0', 'optional': True, 'os': os_, 'engines': {'node': '>= 18'}})
    packages[key] = entry
    added += 1
lock['packages'] = dict(sorted(packages.items(), key=lambda kv: (kv[0] != '', kv[0])))
with open(path, 'w') as f:
    json.dump(lock, f, indent=2)
    f.write('\n')
print(f'added {added} platform entries')
