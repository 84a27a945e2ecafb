/**
 * The order in which ovsdb-server walks a JSON object's members or a table's columns.
 *
 * ovsdb-server keeps both in string hash maps (`shash`) and walks them bucket by bucket, so when an
 * object has several faults the one it reports is the first in that order, not in the text: of a row
 * with two unknown columns it names the one its hash map lists first. Reproducing the order means
 * reproducing the map: Open vSwitch's `hash_string` (MurmurHash3's mixing over the UTF-8 bytes, read
 * as little-endian 32-bit words, as `lib/hash.c` does without SSE 4.2) and `hmap`'s layout (a new node
 * goes to the head of bucket `hash & mask`; the mask grows to `calc_mask(n)` once `n / 2` exceeds it,
 * moving the nodes bucket by bucket to the heads of their new buckets; iteration runs bucket 0 up).
 *
 * @since 0.1.0
 */

const rotate = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0

const mhashAdd = (hash: number, data: number): number => {
  let h = hash
  if (data !== 0) {
    let d = Math.imul(data, 0xcc9e2d51) >>> 0
    d = rotate(d, 15)
    d = Math.imul(d, 0x1b873593) >>> 0
    h = (h ^ d) >>> 0
  }
  h = rotate(h, 13)
  return (Math.imul(h, 5) + 0xe6546b64) >>> 0
}

const mhashFinish = (hash: number): number => {
  let h = hash
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

const encoder = new TextEncoder()

/** Open vSwitch's `hash_string(s, 0)`. */
export const hashString = (text: string): number => {
  const bytes = encoder.encode(text)
  let hash = 0
  let i = 0
  for (; i + 4 <= bytes.length; i += 4) {
    hash = mhashAdd(hash, (bytes[i]! | bytes[i + 1]! << 8 | bytes[i + 2]! << 16 | bytes[i + 3]! << 24) >>> 0)
  }
  if (i < bytes.length) {
    let tail = 0
    for (let j = 0; i + j < bytes.length; j++) tail |= bytes[i + j]! << (8 * j)
    hash = mhashAdd(hash, tail >>> 0)
  }
  return mhashFinish((hash ^ bytes.length) >>> 0)
}

/** `calc_mask` of `lib/hmap.c`: the mask for a map of `capacity` nodes (at least 4 buckets once it grows). */
const calcMask = (capacity: number): number => {
  let mask = Math.floor(capacity / 2)
  mask |= mask >>> 1
  mask |= mask >>> 2
  mask |= mask >>> 4
  mask |= mask >>> 8
  mask |= mask >>> 16
  mask |= (mask & 1) << 1
  return mask
}

/**
 * The order an `hmap` filled with `items` in this order (each at most once) iterates them, given
 * each item's hash.
 */
export const hmapOrder = <A>(items: Iterable<A>, hash: (item: A) => number): Array<A> => {
  let mask = 0
  let buckets: Array<Array<{ readonly item: A; readonly hash: number }>> = [[]]
  let n = 0
  for (const item of items) {
    const node = { item, hash: hash(item) }
    buckets[node.hash & mask]!.unshift(node)
    n++
    if (Math.floor(n / 2) > mask) {
      const grown = calcMask(n)
      if (grown > mask) {
        const next: typeof buckets = Array.from({ length: grown + 1 }, () => [])
        for (const bucket of buckets) for (const moved of bucket) next[moved.hash & grown]!.unshift(moved)
        buckets = next
        mask = grown
      }
    }
  }
  return buckets.flat().map((node) => node.item)
}

const ORDERS_KEPT = 1024
const orders = new Map<string, ReadonlyArray<string>>()

/**
 * The order ovsdb-server walks a JSON object's members (an `shash` filled in the text's order). The
 * orders of the last member lists seen are kept: rows of one table mostly have the same members.
 */
export const memberOrder = (names: ReadonlyArray<string>): ReadonlyArray<string> => {
  if (names.length < 2) return names
  const key = names.join("\u0000")
  let order = orders.get(key)
  if (order === undefined) {
    if (orders.size >= ORDERS_KEPT) orders.clear()
    order = hmapOrder(names, hashString)
    orders.set(key, order)
  }
  return order
}

/** A node of an `HmapLayout`. */
export interface HmapNode {
  readonly hash: number
}

/**
 * An `hmap`'s layout kept up to date as nodes come and go, to walk it as ovsdb-server does, also
 * while nodes are added during the walk (`HMAP_FOR_EACH_SAFE` takes the next node before visiting one).
 */
export class HmapLayout<A extends HmapNode> {
  private mask = 0
  private buckets: Array<Array<A>> = [[]]
  private n = 0

  /** `hmap_insert`: at the head of its bucket, then grow when `n / 2` exceeds the mask. */
  insert(node: A): void {
    this.buckets[node.hash & this.mask]!.unshift(node)
    this.n++
    if (Math.floor(this.n / 2) > this.mask) {
      const grown = calcMask(this.n)
      if (grown > this.mask) {
        const next: Array<Array<A>> = Array.from({ length: grown + 1 }, () => [])
        for (const bucket of this.buckets) for (const moved of bucket) next[moved.hash & grown]!.unshift(moved)
        this.buckets = next
        this.mask = grown
      }
    }
  }

  /** `hmap_remove` (the map never shrinks). */
  remove(node: A): void {
    const bucket = this.buckets[node.hash & this.mask]!
    const at = bucket.indexOf(node)
    if (at >= 0) {
      bucket.splice(at, 1)
      this.n--
    }
  }

  /** The first node in walk order. */
  first(): A | undefined {
    return this.fromBucket(0)
  }

  /** The node after `node` in walk order (`hmap_next`). */
  next(node: A): A | undefined {
    const index = node.hash & this.mask
    const bucket = this.buckets[index]!
    const at = bucket.indexOf(node)
    return at >= 0 && at + 1 < bucket.length ? bucket[at + 1] : this.fromBucket(index + 1)
  }

  private fromBucket(start: number): A | undefined {
    for (let i = start; i <= this.mask; i++) {
      const bucket = this.buckets[i]!
      if (bucket.length > 0) return bucket[0]
    }
    return undefined
  }
}

/** `uuid_hash`: a UUID's first 32 bits. */
export const uuidHash = (uuid: string): number => parseInt(uuid.slice(0, 8), 16)
