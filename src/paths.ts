/** Where the package's shipped data (profiles/, lessons/, tiers) lives, from src/ or dist/src/ alike. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  let dir = start;
  while (!existsSync(resolve(dir, 'package.json')) || !existsSync(resolve(dir, 'profiles'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package root not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const PROFILES_DIR = resolve(PACKAGE_ROOT, 'profiles');
export const LESSONS_DIR = resolve(PACKAGE_ROOT, 'lessons');
export const ASSETS_DIR = resolve(PACKAGE_ROOT, 'assets');
