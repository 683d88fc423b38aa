/**
 * The words the word-vector table must hold beyond GloVe's most frequent ones: every word of the
 * shipped lessons (front matter included: situations are agent words) and the trading vocabulary.
 * scripts/build-word-vectors.ts keeps them; the table's vocabulary hash
 * (assets/word-vectors/vocabulary.sha256) lets a test notice lessons edited without a rebuild.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DOMAIN_VOCABULARY } from '../src/lessons/text/domain.js';
import { TICKER_SECTORS } from '../src/lessons/text/tickers.js';
import { LESSONS_DIR, PACKAGE_ROOT } from '../src/paths.js';

/** Where the hash of the vocabulary the shipped table was built for is kept. */
export const VOCABULARY_HASH_FILE = resolve(PACKAGE_ROOT, 'assets/word-vectors/vocabulary.sha256');

function corpusWords(dir: string): Set<string> {
  const out = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.md'))) {
    for (const w of readFileSync(join(dir, file), 'utf8')
      .toLowerCase()
      .match(/[a-z][a-z0-9'-]*/g) ?? []) {
      out.add(w);
      for (const part of w.split('-')) out.add(part);
    }
  }
  return out;
}

/** The words to keep whatever their frequency. */
export function wantedWords(dir = LESSONS_DIR): Set<string> {
  return new Set([...corpusWords(dir), ...DOMAIN_VOCABULARY, ...Object.values(TICKER_SECTORS).flatMap((s) => s.split(' '))]);
}

/** A hash of the wanted words (order-free). */
export function vocabularyHash(words: ReadonlySet<string>): string {
  return createHash('sha256')
    .update([...words].sort().join('\n'))
    .digest('hex');
}
