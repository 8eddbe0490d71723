/**
 * The revoked jtis, compactly: a jti that is a lowercase UUID (what the auth service issues) is
 * kept as its 16 bytes in an open-addressing hash table of typed arrays, with its `exp` as 4 bytes:
 * ~40 bytes per entry at the table's load, against ~150 for a string in a Map, and nothing for the
 * garbage collector to trace. Any other jti (another issuer's format) goes to a plain Map.
 */

/** Lowercase hex digit values by char code; -1 for anything else. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;
const DASH = 45;
const EMPTY = 0;
const DELETED = 1; // a tombstone: probing goes on past it
const MAX_LOAD = 0.7;

export class JtiSet {
  #capacity: number;
  #keys: Uint32Array; // 4 words per slot
  #exps: Uint32Array; // EMPTY, DELETED, or the entry's exp (epoch seconds, ≥ 2)
  #used = 0; // live + tombstones
  #live = 0;
  readonly #other = new Map<string, number>();
  readonly #k = new Uint32Array(4); // the key being looked up or added
  readonly #moving = new Uint32Array(4); // the key being moved by a resize

  constructor(initialCapacity = 1024) {
    this.#capacity = 2 ** Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.#keys = new Uint32Array(this.#capacity * 4);
    this.#exps = new Uint32Array(this.#capacity);
  }

  get size(): number {
    return this.#live + this.#other.size;
  }

  /** Bytes held by the table (outside the JS heap) plus an estimate for the non-UUID entries. */
  get bytes(): number {
    return this.#keys.byteLength + this.#exps.byteLength + this.#other.size * 150;
  }

  /** Adds `jti` (or updates its exp); true when it was not there. */
  add(jti: string, exp: number): boolean {
    if (!this.#parse(jti)) {
      const had = this.#other.has(jti);
      this.#other.set(jti, exp);
      return !had;
    }
    return this.#insert(exp);
  }

  /**
   * Adds the UUID whose 16 bytes are at `bytes[offset]` (a packed `revoked-jtis` record), as `add`
   * would add its lowercase string form, without making the string.
   */
  addBytes(bytes: Uint8Array, offset: number, exp: number): boolean {
    const k = this.#k;
    for (let w = 0; w < 4; w++) {
      const o = offset + w * 4;
      k[w] = (bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!;
    }
    return this.#insert(exp);
  }

  /**
   * Inserts #k with `exp`, or updates the exp it has; true when it was not there. One probe: the
   * first tombstone on the way is remembered and reused if the key is not found.
   */
  #insert(exp: number): boolean {
    const e = Math.min(0xffffffff, Math.max(2, Math.floor(exp)));
    if ((this.#used + 1) > this.#capacity * MAX_LOAD) this.#resize();
    const mask = this.#capacity - 1;
    const keys = this.#keys;
    const exps = this.#exps;
    const k = this.#k;
    const k0 = k[0]!;
    const k1 = k[1]!;
    const k2 = k[2]!;
    const k3 = k[3]!;
    let tomb = -1;
    let i = this.#hash() & mask;
    for (;;) {
      const x = exps[i]!;
      if (x === EMPTY) break;
      if (x === DELETED) {
        if (tomb < 0) tomb = i;
      } else {
        const o = i * 4;
        if (keys[o] === k0 && keys[o + 1] === k1 && keys[o + 2] === k2 && keys[o + 3] === k3) {
          exps[i] = e;
          return false;
        }
      }
      i = (i + 1) & mask;
    }
    if (tomb >= 0) i = tomb;
    else this.#used++;
    const o = i * 4;
    keys[o] = k0;
    keys[o + 1] = k1;
    keys[o + 2] = k2;
    keys[o + 3] = k3;
    exps[i] = e;
    this.#live++;
    return true;
  }

  has(jti: string): boolean {
    if (!this.#parse(jti)) return this.#other.has(jti);
    return this.#find() >= 0;
  }

  /** Removes every entry whose exp is before `cutoff` (epoch seconds); returns how many. */
  pruneBefore(cutoff: number): number {
    let removed = 0;
    const exps = this.#exps;
    for (let i = 0; i < exps.length; i++) {
      const e = exps[i]!;
      if (e > DELETED && e < cutoff) {
        exps[i] = DELETED;
        removed++;
      }
    }
    this.#live -= removed;
    for (const [jti, exp] of this.#other) {
      if (exp < cutoff) {
        this.#other.delete(jti);
        removed++;
      }
    }
    return removed;
  }

  /** Parses a lowercase UUID into #k; false for any other jti. By hand: a regex costs more than the rest. */
  #parse(jti: string): boolean {
    if (jti.length !== 36) return false;
    if (jti.charCodeAt(8) !== DASH || jti.charCodeAt(13) !== DASH || jti.charCodeAt(18) !== DASH || jti.charCodeAt(23) !== DASH) return false;
    const k = this.#k;
    let word = 0;
    let digits = 0;
    for (let i = 0; i < 36; i++) {
      if (i === 8 || i === 13 || i === 18 || i === 23) continue;
      const c = jti.charCodeAt(i);
      const n = c < 128 ? NIBBLE[c]! : -1;
      if (n < 0) return false;
      word = (word << 4) | n;
      if (++digits % 8 === 0) {
        k[(digits >> 3) - 1] = word;
        word = 0;
      }
    }
    return true;
  }

  #hash(k: Uint32Array = this.#k): number {
    // UUIDs are random; one multiply spreads the words over the index bits.
    return Math.imul(k[0]! ^ k[3]!, 0x9e3779b1) ^ (k[1]! >>> 7) ^ k[2]!;
  }

  /** The slot holding #k, or -1. */
  #find(): number {
    const mask = this.#capacity - 1;
    const keys = this.#keys;
    const k = this.#k;
    let i = this.#hash() & mask;
    for (;;) {
      const e = this.#exps[i]!;
      if (e === EMPTY) return -1;
      if (e !== DELETED) {
        const o = i * 4;
        if (keys[o] === k[0] && keys[o + 1] === k[1] && keys[o + 2] === k[2] && keys[o + 3] === k[3]) return i;
      }
      i = (i + 1) & mask;
    }
  }

  /** Rebuilds the table without tombstones, twice as large when the live entries need it. */
  #resize(): void {
    const oldKeys = this.#keys;
    const oldExps = this.#exps;
    if (this.#live + 1 > this.#capacity * MAX_LOAD * 0.5) this.#capacity *= 2;
    this.#keys = new Uint32Array(this.#capacity * 4);
    this.#exps = new Uint32Array(this.#capacity);
    this.#used = this.#live;
    const mask = this.#capacity - 1;
    const k = this.#moving;
    for (let s = 0; s < oldExps.length; s++) {
      const e = oldExps[s]!;
      if (e <= DELETED) continue;
      const o = s * 4;
      k[0] = oldKeys[o]!;
      k[1] = oldKeys[o + 1]!;
      k[2] = oldKeys[o + 2]!;
      k[3] = oldKeys[o + 3]!;
      let i = this.#hash(k) & mask;
      while (this.#exps[i] !== EMPTY) i = (i + 1) & mask;
      const n = i * 4;
      this.#keys[n] = k[0]!;
      this.#keys[n + 1] = k[1]!;
      this.#keys[n + 2] = k[2]!;
      this.#keys[n + 3] = k[3]!;
      this.#exps[i] = e;
    }
  }
}
