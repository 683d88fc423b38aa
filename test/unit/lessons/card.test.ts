/** A lesson row's candidate card (card.ts): what is packed is what is read, and a broken card is refused. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { packCard, readCard } from '../../../src/lessons/card.js';
import { SEVERITIES, type Severity } from '../../../src/lessons/types.js';

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));

describe('lesson card', () => {
  test('reads back every field it packs, the pieces byte for byte', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }),
        fc.constantFrom(...SEVERITIES),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        hash,
        fc.uint8Array({ maxLength: 4_000 }),
        (id, severity, created, textHash, pieces) => {
          const card = packCard({ id, severity, created }, textHash, pieces);
          // Read from inside a larger buffer, as Arrow hands a cell out.
          const inside = new Uint8Array(card.length + 9);
          inside.set(card, 5);
          const read = readCard(inside.subarray(5, 5 + card.length));
          expect(read).toEqual({ id, severity, created, textHash, pieces });
        },
      ),
    );
  });

  test('a card of another layout, a cut one, a bad severity or a bad hash is refused', () => {
    const card = packCard({ id: 'exec-x', severity: 'high', created: 1 }, 'ab'.repeat(32), new Uint8Array([1, 2, 3]));
    expect(() => readCard(card.subarray(0, 20))).toThrow(/layout/);
    expect(() => readCard(Uint8Array.from(card, (b, i) => (i === 0 ? 2 : b)))).toThrow(/layout 2/);
    expect(() => readCard(Uint8Array.from(card, (b, i) => (i === 1 ? 9 : b)))).toThrow(/severity rank 9/);
    expect(() => readCard(Uint8Array.from(card, (b, i) => (i === 42 ? 200 : b)))).toThrow(/shorter than its id/);
    expect(() => packCard({ id: 'x', severity: 'low', created: 0 }, 'not-a-hash', new Uint8Array(0))).toThrow(/SHA-256/);
    // A severity from elsewhere (a shared row of a newer build) is refused, never packed as the lowest.
    expect(() => packCard({ id: 'x', severity: 'CRITICAL' as Severity, created: 0 }, 'ab'.repeat(32), new Uint8Array(0))).toThrow(/known severity/);
    expect(() => packCard({ id: 'x'.repeat(70_000), severity: 'low', created: 0 }, 'ab'.repeat(32), new Uint8Array(0))).toThrow(/too long/);
  });
});
