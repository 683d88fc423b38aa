/**
 * Fill ids seen so far, for dedupe: an open-addressing hash table of fill indices in an Int32Array
 * (FNV-1a over the id's UTF-16 code units, linear probing, grown at half full). A Map of 100k
 * string keys was a sixth of matching's time (its growth and its entries for the collector); this
 * keeps one typed array and compares strings only on a hash match.
 *
 * @example const prior = index.find(f.id, (i) => fills[i].id); if (prior < 0) index.insert(f.id, i)
 */

function hashOf(id: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < id.length; k++) h = Math.imul(h ^ id.charCodeAt(k), 0x01000193);
  return h >>> 0;
}

export class IdIndex {
  /** Slot → fill index + 1 (0: empty). */
  private slots = new Int32Array(1024);
  private count = 0;

  constructor(private readonly idOf: (i: number) => string) {}

  /** The index of the fill with this id, or -1. */
  find(id: string): number {
    const mask = this.slots.length - 1;
    for (let s = hashOf(id) & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s]!;
      if (v === 0) return -1;
      if (this.idOf(v - 1) === id) return v - 1;
    }
  }

  /** Record fill `i` (its id not yet held). */
  insert(i: number): void {
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    this.place(this.slots, i);
    this.count++;
  }

  private place(slots: Int32Array, i: number): void {
    const mask = slots.length - 1;
    let s = hashOf(this.idOf(i)) & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = i + 1;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (const v of old) if (v !== 0) this.place(this.slots, v - 1);
  }
}
