/**
 * The revoked jtis, compactly: a jti that is a lowercase UUID (what the auth service issues) is
 * kept as its 16 bytes in an open-addressing hash table of typed arrays, with its `exp` as 4 bytes:
 * ~40 bytes per entry at the table's load, against ~150 for a string in a Map, and nothing for the
 * garbage collector to trace. Any other jti (another issuer's format) goes to a plain Map.
 */

import { PACKED_RECORD_BYTES } from './packed-revocations.js';

/** Lowercase hex digit values by char code; -1 for anything else. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;
const DASH = 45;
const EMPTY = 0;
const DELETED = 1; // a tombstone: probing goes on past it
const MAX_LOAD = 0.7;

/** UUIDs are random; one multiply spreads the words over the index bits. */
const hash = (k0: number, k1: number, k2: number, k3: number) => Math.imul(k0 ^ k3, 0x9e3779b1) ^ (k1 >>> 7) ^ k2;
/** The big-endian 32-bit word at `bytes[o]`, as the table stores it (a Uint32Array element). */
const wordAt = (bytes: Uint8Array, o: number) => ((bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!) >>> 0;

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
    const k = this.#k;
    return this.#insert(k[0]!, k[1]!, k[2]!, k[3]!, exp);
  }

  /**
   * Adds every record of a packed `revoked-jtis` page (packed-revocations.ts: 24 bytes each, the
   * UUID's 16 bytes first, `exp` at byte 20), as `add` would add their lowercase string forms,
   * without making a string; returns how many were not there. Room for the page is made first:
   * at most one resize a page (none after `reserve`).
   */
  addPacked(bytes: Uint8Array): number {
    const end = bytes.length - (bytes.length % PACKED_RECORD_BYTES);
    this.reserve(end / PACKED_RECORD_BYTES);
    let added = 0;
    for (let b = 0; b < end; b += PACKED_RECORD_BYTES) {
      const e = wordAt(bytes, b + 20);
      if (this.#insert(wordAt(bytes, b), wordAt(bytes, b + 4), wordAt(bytes, b + 8), wordAt(bytes, b + 12), e)) added++;
    }
    return added;
  }

  /**
   * Makes room for `n` more entries without a resize: a caller that knows how many are coming (the
   * list's size, from the service) saves the table's doublings and their rehashing, about half the
   * CPU of a 1M-entry load.
   */
  reserve(n: number): void {
    if (!Number.isSafeInteger(n) || n <= 0) return;
    const needed = this.#used + n + 1;
    if (needed <= this.#capacity * MAX_LOAD) return;
    let capacity = this.#capacity;
    while (this.#live + n + 1 > capacity * MAX_LOAD) capacity *= 2;
    this.#rehash(capacity);
  }

  /**
   * Inserts the key k0..k3 with `exp`, or updates the exp it has; true when it was not there. One
   * probe: the first tombstone on the way is remembered and reused if the key is not found.
   */
  #insert(k0: number, k1: number, k2: number, k3: number, exp: number): boolean {
    const e = Math.min(0xffffffff, Math.max(2, Math.floor(exp)));
    if ((this.#used + 1) > this.#capacity * MAX_LOAD) this.#resize();
    const mask = this.#capacity - 1;
    const keys = this.#keys;
    const exps = this.#exps;
    let tomb = -1;
    let i = hash(k0, k1, k2, k3) & mask;
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

  /** The slot holding #k, or -1. */
  #find(): number {
    const mask = this.#capacity - 1;
    const keys = this.#keys;
    const k = this.#k;
    let i = hash(k[0]!, k[1]!, k[2]!, k[3]!) & mask;
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
    this.#rehash(this.#live + 1 > this.#capacity * MAX_LOAD * 0.5 ? this.#capacity * 2 : this.#capacity);
  }

  /** Rebuilds the table at `capacity` slots (a power of two), without tombstones. */
  #rehash(capacity: number): void {
    const oldKeys = this.#keys;
    const oldExps = this.#exps;
    this.#capacity = capacity;
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
      let i = hash(k[0]!, k[1]!, k[2]!, k[3]!) & mask;
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
