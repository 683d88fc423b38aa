/**
 * The lesson library: shipped files plus the user's `<data dir>/lessons/`, re-read on change
 * without a restart; a user file replaces a shipped one of the same id; a file that declares a
 * block rule and does not load is a blocking error (the gate refuses every order), others are skipped.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { declaresBlock, parseLessonFile } from '../../../src/lessons/corpus.js';
import { lessonRulesOf } from '../../../src/lessons/for-order.js';
import { FULL_SCAN_MS, LessonLibrary } from '../../../src/lessons/library.js';
import { createLogger } from '../../../src/log.js';
import { lessonText } from './helpers.js';

const dir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

function setup() {
  const shipped = dir('tars-shipped-');
  writeFileSync(join(shipped, 'a.md'), lessonText('shipped-a', { block: '{"type": "market"}' }));
  writeFileSync(join(shipped, 'b.md'), lessonText('shipped-b'));
  const user = join(dir('tars-data-'), 'lessons');
  const logged: string[] = [];
  const log = createLogger('debug', {}, (line) => void logged.push(line));
  return { shipped, user, library: new LessonLibrary(shipped, user, log), logged };
}

describe('LessonLibrary', () => {
  it('reads the shipped lessons; a missing user directory is no lessons, not an error', () => {
    const { library } = setup();
    const snap = library.snapshot();
    expect(snap.lessons.map((l) => l.id)).toEqual(['shipped-a', 'shipped-b']);
    expect(snap.errors).toEqual([]);
    expect(snap.lessons[0]!.block).toEqual({ type: 'market' });
    expect(library.snapshot()).toBe(snap); // nothing changed: the same snapshot
  });

  it('picks up a user file when it is added, edited and removed, without a restart', () => {
    const { library, user } = setup();
    const v1 = library.snapshot().version;
    rmSync(user, { recursive: true, force: true });
    mkdirSync(user, { recursive: true });
    const file = join(user, 'mine.md');
    writeFileSync(file, lessonText('mine', { symbols: '[TSLA]' }));
    const added = library.snapshot();
    expect(added.version).toBeGreaterThan(v1);
    expect(added.lessons.find((l) => l.id === 'mine')).toMatchObject({ origin: 'user', source: 'user:mine.md', symbols: ['TSLA'], draft: false });
    // an edit written in place is seen by the next full scan (at most FULL_SCAN_MS later)
    writeFileSync(file, lessonText('mine', { title: '"An edited title, longer than before"' }));
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + FULL_SCAN_MS + 1);
      expect(library.snapshot().lessons.find((l) => l.id === 'mine')!.title).toBe('An edited title, longer than before');
    } finally {
      vi.useRealTimers();
    }
    // one written to a temporary name and renamed into place (editors, promote) at once
    writeFileSync(`${file}.tmp`, lessonText('mine', { title: '"Renamed into place"' }));
    renameSync(`${file}.tmp`, file);
    expect(library.snapshot().lessons.find((l) => l.id === 'mine')!.title).toBe('Renamed into place');
    rmSync(file);
    expect(library.snapshot().lessons.map((l) => l.id)).toEqual(['shipped-a', 'shipped-b']);
  });

  it('a user file with a shipped id replaces it (retune or retire a shipped block rule); a draft may not', () => {
    const { library, user } = setup();
    mkdirSync(user, { recursive: true });
    writeFileSync(join(user, 'retune.md'), lessonText('shipped-a', { block: '{"type": "market", "minutes_after_open": {"lt": 2}}' }));
    writeFileSync(join(user, 'draft.md'), lessonText('shipped-b', { draft: 'true', links: '{round_trip_id: rt-1, audit_id: null, client_order_id: null}' }));
    const snap = library.snapshot();
    expect(snap.lessons.find((l) => l.id === 'shipped-a')).toMatchObject({ origin: 'user', block: { type: 'market', minutes_after_open: { lt: 2 } } });
    expect(snap.lessons.find((l) => l.id === 'shipped-b')).toMatchObject({ origin: 'shipped' });
    expect(snap.errors).toEqual([
      expect.objectContaining({ blocking: false, error: expect.stringMatching(/draft may not reuse the shipped lesson id shipped-b/) }),
    ]);
  });

  it('fails closed: a file declaring a block that does not load is blocking; any other broken file is skipped', () => {
    const { library, user, logged } = setup();
    mkdirSync(user, { recursive: true });
    writeFileSync(join(user, 'typo.md'), lessonText('typo', { block: '{"type": "markt"}' }));
    writeFileSync(join(user, 'broken-yaml.md'), '---\nid: broken\nblock: {"type": "market"\n---\nbody\n');
    writeFileSync(join(user, 'no-front.md'), 'block: {"type": "market"}\nno front matter at all');
    writeFileSync(join(user, 'plain-bad.md'), lessonText('plain-bad', { severity: 'severe' }));
    writeFileSync(join(user, 'empty.md'), '');
    const snap = library.snapshot();
    const byFile = Object.fromEntries(snap.errors.map((e) => [e.file.split('/').pop(), e.blocking]));
    expect(byFile).toEqual({ 'broken-yaml.md': true, 'empty.md': false, 'no-front.md': true, 'plain-bad.md': false, 'typo.md': true });
    expect(snap.errors.find((e) => e.file.endsWith('typo.md'))!.error).toMatch(/typo\.md: block: block\.type/);
    const rules = lessonRulesOf(snap, {});
    expect(rules.unreadable.map((u) => u.file.split('/').pop()).sort()).toEqual(['broken-yaml.md', 'no-front.md', 'typo.md']);
    expect(rules.blocks.map((b) => b.id)).toEqual(['shipped-a']);
    expect(logged.filter((l) => l.includes('every order is refused until it is fixed'))).toHaveLength(3);
    // fixing the file clears it
    writeFileSync(join(user, 'typo.md'), lessonText('typo', { block: '{"type": "market"}' }));
    expect(lessonRulesOf(library.snapshot(), {}).unreadable).toHaveLength(2);
  });

  it('a user directory that cannot be listed is blocking (it may hold block rules)', () => {
    const { shipped } = setup();
    const notADir = join(dir('tars-data-'), 'lessons');
    writeFileSync(notADir, 'a file where the directory should be');
    const snap = new LessonLibrary(
      shipped,
      notADir,
      createLogger('error', {}, () => undefined),
    ).snapshot();
    expect(snap.errors).toEqual([expect.objectContaining({ file: notADir, blocking: true })]);
  });

  it('drafts are loaded but never enforce or match', () => {
    const { library, user } = setup();
    mkdirSync(user, { recursive: true });
    writeFileSync(
      join(user, 'loss.md'),
      lessonText('loss-1', { draft: 'true', block: '{"side": "buy"}', links: '{round_trip_id: rt-9, audit_id: aud_1, client_order_id: c-1}' }),
    );
    const snap = library.snapshot();
    expect(snap.lessons.find((l) => l.id === 'loss-1')).toMatchObject({ draft: true, source: 'draft:loss.md' });
    expect(lessonRulesOf(snap, {}).blocks.map((b) => b.id)).toEqual(['shipped-a']);
  });
});

describe('front matter', () => {
  it('declaresBlock reads the raw text, even when the YAML is broken', () => {
    expect(declaresBlock('---\nid: x\nblock: {oops\n---\n')).toBe(true);
    expect(declaresBlock('---\nid: x\n"block": {}\n---\n')).toBe(true);
    expect(declaresBlock('---\nid: x\ntitle: a block party\n---\nblock: in the body only\n')).toBe(false);
  });

  it('a draft must say what it is linked to; symbols and strategies are validated', () => {
    expect(() => parseLessonFile('d.md', lessonText('d-1', { draft: 'true' }))).toThrow(/a draft needs its links/);
    expect(() => parseLessonFile('s.md', lessonText('s-1', { symbols: '[tsla]' }))).toThrow(/symbols/);
    expect(() => parseLessonFile('t.md', lessonText('t-1', { strategies: '["Iron Condor"]' }))).toThrow(/strategies/);
    expect(parseLessonFile('u.md', lessonText('u-1', { strategies: '[iron_condor]', symbols: '[SPY, BRK.B]' }))).toMatchObject({
      strategies: ['iron_condor'],
      symbols: ['SPY', 'BRK.B'],
    });
  });
});
