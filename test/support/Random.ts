// A seeded pseudo-random source for the tests that generate their cases (sfc32 seeded by splitmix32).
/** A seeded pseudo-random source: the same seed gives the same sequence on every machine. */
export class Random {
  private a: number
  private b: number
  private c: number
  private d: number
  constructor(seed: number) {
    let s = seed >>> 0
    const mix = () => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
      return (z ^ (z >>> 15)) >>> 0
    }
    this.a = mix()
    this.b = mix()
    this.c = mix()
    this.d = mix()
  }
  /** A 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0
    this.d = (this.d + 1) >>> 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) >>> 0
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0
    this.c = (this.c + t) >>> 0
    return t
  }
  /** A number in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<A>(items: ReadonlyArray<A>): A {
    return items[this.int(items.length)]!
  }
  /** One of the choices, each as likely as its weight. */
  weighted<A>(choices: ReadonlyArray<readonly [number, A]>): A {
    let total = 0
    for (const [weight] of choices) total += weight
    let x = this.next() * total
    for (const [weight, choice] of choices) {
      if ((x -= weight) < 0) return choice
    }
    return choices[choices.length - 1]![1]
  }
  shuffle<A>(items: ReadonlyArray<A>): Array<A> {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      ;[out[i], out[j]] = [out[j]!, out[i]!]
    }
    return out
  }
  /** Up to `max` distinct items, in random order. */
  subset<A>(items: ReadonlyArray<A>, max: number): Array<A> {
    return this.shuffle(items).slice(0, this.int(Math.min(max, items.length) + 1))
  }
  /** Any 64-bit signed integer. */
  int64(): bigint {
    return BigInt.asIntN(64, (BigInt(this.uint32()) << 32n) | BigInt(this.uint32()))
  }
}
