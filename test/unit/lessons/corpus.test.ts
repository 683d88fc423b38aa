import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadCorpus, parseLessonFile } from '../../../src/lessons/corpus.js';
import { contentHash } from '../../../src/lessons/types.js';
import { LESSONS_DIR } from '../../../src/paths.js';

describe('shipped corpus', () => {
  const { lessons, errors } = loadCorpus(LESSONS_DIR);

  test('at least 40 lessons, all valid, each with a prevention, covering every topic of the issue', () => {
    expect(errors).toEqual([]);
    expect(lessons.length).toBeGreaterThanOrEqual(40);
    for (const l of lessons) expect(l.prevention.length, l.id).toBeGreaterThan(40);
    const tags = new Set(lessons.flatMap((l) => l.tags));
    for (const t of [
      'options',
      'iron-condor',
      'assignment',
      'earnings',
      'iv-crush',
      'spread',
      'risk',
      'sizing',
      'daily-loss',
      'correlation',
      'execution',
      'slippage',
      'stale-quote',
      'duplicate',
      'agent',
      'hallucination',
      'injection',
      'budget',
      'operations',
      'outage',
      'key-rotation',
    ]) {
      expect(tags, t).toContain(t);
    }
  });
});

describe('parseLessonFile', () => {
  const good = `---\nid: test-lesson\ntitle: "A test lesson"\nseverity: high\ntags: [risk, options]\ncreated: 2025-01-02\n---\nWhat happened.\n\n## Prevention\n\nDo better.\n`;

  test('splits body and prevention, sorts tags, hashes the content', () => {
    const l = parseLessonFile('t.md', good);
    expect(l).toMatchObject({
      id: 'test-lesson',
      title: 'A test lesson',
      body: 'What happened.',
      prevention: 'Do better.',
      severity: 'high',
      source: 'corpus:t.md',
    });
    expect(l.created).toBe(Date.UTC(2025, 0, 2));
    expect(l.contentHash).toBe(
      contentHash({ title: 'A test lesson', body: 'What  happened.', prevention: 'Do better.', severity: 'high', tags: ['risk', 'options'] }),
    );
  });

  test('a created date and time without a zone is UTC, whatever the time zone of the machine; one with a zone is kept', () => {
    const tz = process.env.TZ;
    try {
      for (const zone of ['America/New_York', 'Asia/Kolkata', 'UTC']) {
        process.env.TZ = zone;
        expect(parseLessonFile('t.md', good.replace('created: 2025-01-02', 'created: 2025-01-02 10:30')).created).toBe(Date.UTC(2025, 0, 2, 10, 30));
        expect(parseLessonFile('t.md', good.replace('created: 2025-01-02', 'created: "2025-01-02T10:30:15"')).created).toBe(Date.UTC(2025, 0, 2, 10, 30, 15));
        expect(parseLessonFile('t.md', good.replace('created: 2025-01-02', 'created: "2025-01-02T10:30:00-05:00"')).created).toBe(Date.UTC(2025, 0, 2, 15, 30));
        expect(parseLessonFile('t.md', good).created).toBe(Date.UTC(2025, 0, 2));
      }
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    for (const bad of ['"2025-13-45 99:99"', '2025/01/02', '"Jan 2 2025"', '2025-1-2', '2025-02-30', '"2025-01-02 24:00"', '"yesterday"']) {
      process.env.TZ = 'America/New_York';
      expect(() => parseLessonFile('t.md', good.replace('created: 2025-01-02', `created: ${bad}`)), bad).toThrow(/created is not a date/);
    }
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
    expect(parseLessonFile('t.md', good.replace('created: 2025-01-02', 'created: 2025-01-02t10:30:00.5z')).created).toBe(Date.UTC(2025, 0, 2, 10, 30, 0, 500));
    expect(parseLessonFile('t.md', good.replace('created: 2025-01-02', 'created: "2025-01-02T10:30+0530"')).created).toBe(Date.UTC(2025, 0, 2, 5, 0));
  });

  test('situations are read from the front matter, trimmed and deduplicated; too short or too many are refused', () => {
    const withSituations = good.replace(
      'created: 2025-01-02',
      'created: 2025-01-02\nsituations:\n  - "  about to buy right at the bell  "\n  - "about to buy right at the bell"\n  - "the quote is from yesterday"',
    );
    expect(parseLessonFile('s.md', withSituations).situations).toEqual(['about to buy right at the bell', 'the quote is from yesterday']);
    expect(parseLessonFile('t.md', good).situations).toEqual([]);
    expect(() => parseLessonFile('u.md', good.replace('created: 2025-01-02', 'created: 2025-01-02\nsituations: ["short"]'))).toThrow(/u\.md: situations/);
    const many = JSON.stringify(Array.from({ length: 13 }, (_, i) => `situation number ${i}`));
    expect(() => parseLessonFile('v.md', good.replace('created: 2025-01-02', `created: 2025-01-02\nsituations: ${many}`))).toThrow(/v\.md: situations/);
  });

  test('malformed files are reported with the file name, not skipped silently', () => {
    expect(() => parseLessonFile('a.md', 'no front matter')).toThrow(/a\.md: no YAML front matter/);
    expect(() => parseLessonFile('b.md', good.replace('severity: high', 'severity: severe'))).toThrow(/b\.md: severity/);
    expect(() => parseLessonFile('c.md', good.replace('tags: [risk, options]', 'tags: ["bad tag"]'))).toThrow(/c\.md: tags/);
    const dir = mkdtempSync(join(tmpdir(), 'tars-corpus-'));
    writeFileSync(join(dir, 'one.md'), good);
    writeFileSync(join(dir, 'two.md'), good);
    writeFileSync(join(dir, 'bad.md'), 'nothing');
    const { lessons, errors } = loadCorpus(dir);
    expect(lessons).toHaveLength(1);
    expect(errors).toEqual([expect.stringMatching(/bad\.md/), expect.stringMatching(/duplicate id test-lesson/)]);
  });
});
