// A small deterministic generator (xoshiro128**) seeded from a SHA-256 of a name, so a fixture
// depends only on (seed, variant) and never on Math.random.
import { createHash } from 'node:crypto';

export class SeededRandom {
  private readonly state: Uint32Array;

  constructor(...parts: (string | number)[]) {
    const digest = createHash('sha256').update(parts.join('\u0000')).digest();
    this.state = new Uint32Array([digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)]);
    if (this.state.every((word) => word === 0)) this.state[0] = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.state;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  between(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  integerBelow(limit: number): number {
    return Math.floor(this.next() * limit);
  }

  /** Approximately normal (Irwin-Hall of 4 uniforms), mean 0, standard deviation 1. */
  normal(): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * Math.sqrt(3);
  }

  shuffle<T>(items: T[]): T[] {
    for (let index = items.length - 1; index > 0; index--) {
      const other = this.integerBelow(index + 1);
      [items[index], items[other]] = [items[other], items[index]];
    }
    return items;
  }
}

function rotl(value: number, shift: number): number {
  return ((value << shift) | (value >>> (32 - shift))) >>> 0;
}
