/**
 * The local lesson rows (no TRADING_MCP_DATABASE_URL): today's places, unchanged. Drafts are Markdown
 * files under `<data dir>/lessons/`, each with a claim file under `lessons/.drafts/` created exclusively
 * before anything is asked or written (one draft per round trip across calls, restarts and processes on
 * this data dir); recorded lessons are rows of the data dir's LanceDB table, which the service writes
 * and dedups itself — so there is nothing to catch up from here.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLessonFile } from '../corpus.js';
import type { Lesson } from '../types.js';
import type { LessonChanges, LessonRows, UserText } from './types.js';

type Claim = { round_trip_id: string; state: 'pending' | 'written'; at: number; pid: number };

export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

const claimText = (roundTripId: string, state: Claim['state']): string =>
  JSON.stringify({ round_trip_id: roundTripId, state, at: Date.now(), pid: process.pid });

export class FileLessonRows implements LessonRows {
  readonly backend = 'local' as const;

  constructor(readonly where: string) {}

  locationOf(id: string): string {
    return this.fileOf(id);
  }

  private fileOf(id: string): string {
    return join(this.where, `${id}.md`);
  }

  private claimOf(id: string): string {
    return join(this.where, '.drafts', `${id}.json`);
  }

  async record(lesson: Lesson): Promise<{ lesson: Lesson; duplicate: boolean }> {
    return { lesson, duplicate: false };
  }

  async carryOver(): Promise<number> {
    return 0; // the LanceDB table is the row store: nothing to carry anywhere
  }

  async head(): Promise<number> {
    return 0;
  }

  async since(): Promise<LessonChanges> {
    return { recorded: [], texts: [], head: 0 };
  }

  async hasText(id: string): Promise<boolean> {
    return existsSync(this.fileOf(id));
  }

  async claimDraft(id: string, roundTripId: string, staleMs: number): Promise<boolean> {
    mkdirSync(join(this.where, '.drafts'), { recursive: true, mode: 0o700 });
    const path = this.claimOf(id);
    try {
      writeFileSync(path, claimText(roundTripId, 'pending'), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let held: Claim | null = null;
    try {
      held = JSON.parse(readFileSync(path, 'utf8')) as Claim;
    } catch {
      held = null; // being written this instant, or torn by a crash: treat as pending
    }
    if (held?.state === 'written') return false;
    if (held && Date.now() - held.at < staleMs) return false;
    writeAtomic(path, claimText(roundTripId, 'pending'));
    return true;
  }

  async saveDraft(id: string, roundTripId: string, markdown: string): Promise<string> {
    const file = this.fileOf(id);
    writeAtomic(file, markdown);
    writeAtomic(this.claimOf(id), claimText(roundTripId, 'written'));
    return file;
  }

  async releaseDraft(id: string): Promise<void> {
    rmSync(this.claimOf(id), { force: true });
  }

  async texts(): Promise<Array<UserText & { where: string }>> {
    let names: string[];
    try {
      names = readdirSync(this.where).filter((f) => f.endsWith('.md'));
    } catch {
      return [];
    }
    return names.sort().flatMap((file) => {
      const path = join(this.where, file);
      try {
        const markdown = readFileSync(path, 'utf8');
        return [{ id: parseLessonFile(file, markdown, { origin: 'user' }).id, markdown, where: path }];
      } catch {
        return []; // a broken file is named by the library and doctor, not here
      }
    });
  }

  async replaceText(id: string, markdown: string): Promise<void> {
    const found = (await this.texts()).find((t) => t.id === id);
    writeAtomic(found?.where ?? this.fileOf(id), markdown);
  }

  async close(): Promise<void> {}
}
