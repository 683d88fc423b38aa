/**
 * Fill ids seen so far, for dedupe: an open-addressing hash table of fill indices in an Int32Array
 * (FNV-1a over the id's UTF-16 code units, linear probing, grown at half full). A Map of 100k
 * string keys was a sixth of matching's time (its growth and its entries for the collector); this
 * keeps typed arrays and compares strings only on a hash match. Each fill's hash is kept beside the
 * table, so growing it moves indices without reading or hashing an id again, and `find` leaves the
 * hash it computed for the `insert` that follows it.
 *
 * @example const prior = index.find(f.id); if (prior < 0) index.insert(i) // i: the fill's index, its id f.id
 */
import { grown } from './fill-columns.js';

function hashOf(id: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < id.length; k++) h = Math.imul(h ^ id.charCodeAt(k), 0x01000193);
  return h | 0; // signed: a small integer, where an unsigned one above 2^31 would be a heap number per id
}

export class IdIndex {
  /** Slot → fill index + 1 (0: empty). */
  private slots: Int32Array;
  /** Fill index → its id's hash. */
  private hashes = new Int32Array(0);
  private count = 0;
  /** The id `find` hashed last, and its hash. */
  private lastId: string | null = null;
  private lastHash = 0;

  /** `expected`: how many ids are coming (sizes the table once instead of growing it step by step). */
  constructor(
    private readonly idOf: (i: number) => string,
    expected = 0,
  ) {
    let size = 1024;
    while (size < expected * 2) size *= 2;
    this.slots = new Int32Array(size);
  }

  /** Make room for `more` ids beyond those held (one resize for a large batch). */
  reserve(more: number): void {
    while ((this.count + more) * 2 > this.slots.length) this.grow();
  }

  /** The index of the fill with this id, or -1. */
  find(id: string): number {
    const h = hashOf(id);
    this.lastId = id;
    this.lastHash = h;
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s]!;
      if (v === 0) return -1;
      if (this.hashes[v - 1] === h && this.idOf(v - 1) === id) return v - 1;
    }
  }

  /** Record fill `i` (its id not yet held). */
  insert(i: number): void {
    const id = this.idOf(i);
    const h = id === this.lastId ? this.lastHash : hashOf(id);
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    if (i >= this.hashes.length) this.hashes = grown(this.hashes, i + 1);
    this.hashes[i] = h;
    this.place(this.slots, i, h);
    this.count++;
  }

  private place(slots: Int32Array, i: number, h: number): void {
    const mask = slots.length - 1;
    let s = h & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = i + 1;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (const v of old) if (v !== 0) this.place(this.slots, v - 1, this.hashes[v - 1]!);
  }
}
