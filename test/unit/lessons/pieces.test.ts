import { describe, expect, test } from 'vitest';
import { embedLocal, embedPieces } from '../../../src/lessons/local-embedder.js';
import { packPieces, pieceTexts, piecesScore, rescoreByPieces, wholeScore } from '../../../src/lessons/pieces.js';
import type { Lesson } from '../../../src/lessons/types.js';

const lesson = (id: string, title: string, situations: string[], body: string): Lesson & { situations: string[] } => ({
  id,
  title,
  situations,
  body,
  prevention: 'Check first.',
  severity: 'high',
  tags: ['execution'],
  created: 0,
  source: 'corpus:x',
  contentHash: id,
});

describe('multi-vector lessons (pieces)', () => {
  test('a packed dot product is the plain one at every length (four running sums and the tail past the last four)', () => {
    for (let dim = 1; dim <= 9; dim++) {
      const whole = Float32Array.from({ length: dim }, (_, j) => Math.sin(j + dim));
      const query = Float32Array.from({ length: dim }, (_, j) => Math.cos(3 * j - dim));
      const packed = packPieces(whole, [query]);
      const view = new DataView(packed.buffer, packed.byteOffset);
      const bytes = new Int8Array(packed.buffer, packed.byteOffset, packed.byteLength);
      let plain = 0;
      for (let j = 0; j < dim; j++) plain += query[j]! * bytes[4 + j]!;
      expect(wholeScore(query, packed)).toBeCloseTo(plain * view.getFloat32(0, true), 12);
    }
  });

  test('the pieces are the title, each situation, each body paragraph but the sources, and the prevention', () => {
    const l = lesson('a-lesson', 'Title', ['one moment', 'another moment'], 'First paragraph.\n\nSecond one.\n\nSources: somewhere.');
    expect(pieceTexts(l)).toEqual(['Title', 'one moment', 'another moment', 'First paragraph.', 'Second one.', 'Check first.']);
  });

  test('packed int8 scores stay within quantisation error of the float cosines: best piece + whole', () => {
    const [whole, p1, p2, q] = embedLocal([
      'iron condor short strike tested',
      'short strike tested',
      'the broker api is down',
      'my condor short call is breached',
    ]);
    const score = piecesScore(q!, packPieces(whole!, [p1!, p2!]))!;
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    expect(score).toBeCloseTo(dot(q!, whole!) + Math.max(dot(q!, p1!), dot(q!, p2!)), 2);
  });

  test('a lesson whose one situation says what the agent says outranks one that only shares a topic', () => {
    const lessons = [
      lesson(
        'target',
        'Duplicate fills after a retry',
        ['the broker call hung and returned nothing, can I send it once more'],
        'A long story about idempotency keys.',
      ),
      lesson('other', 'Cancel and fill race', ['I cancelled but it filled'], 'Orders can fill while a cancel is in flight.'),
    ];
    const wholes = embedLocal(lessons.map((l) => `${l.title}\n${l.body}`));
    const packed = embedPieces(lessons, wholes);
    const [q] = embedLocal(['the broker call hung and gave me nothing back; send it once more?']);
    const ranked = rescoreByPieces(
      q!,
      lessons.map((l, i) => ({ id: l.id, pieces: packed[i]! })),
    );
    expect(ranked!.map((r) => r.candidate.id)).toEqual(['target', 'other']);
  });

  test('rows without pieces (another embedder) leave the whole-vector list as it is', () => {
    const [q] = embedLocal(['anything']);
    expect(rescoreByPieces(q!, [{ id: 'x', pieces: new Uint8Array(0) }])).toBeNull();
    expect(piecesScore(q!, null)).toBeNull();
  });
});
