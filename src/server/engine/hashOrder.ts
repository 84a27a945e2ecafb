/**
 * The order in which ovsdb-server walks a JSON object's members or a table's columns.
 *
 * ovsdb-server keeps both in string hash maps (`shash`) and walks them bucket by bucket, so when an
 * object has several faults the one it reports is the first in that order, not in the text: of a row
 * with two unknown columns it names the one its hash map lists first. `shashOrder` (shared with the
 * command line, which prints ovsdb-client's lists in that order) reproduces the map; `HmapLayout`
 * keeps one up to date as nodes come and go, for the rows of a transaction.
 *
 * @since 0.1.0
 */
import { hashString, shashOrder } from "../../cli/OvsText.js"

export {
  /** Open vSwitch's `hash_string(s, 0)`. */
  hashString
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
    order = shashOrder(names)
    orders.set(key, order)
  }
  return order
}

/**
 * The order an `hmap` filled with `items` in this order (each at most once) iterates them, given
 * each item's hash.
 */
export const hmapOrder = <A>(items: Iterable<A>, hash: (item: A) => number): Array<A> => {
  interface Node extends HmapNode<Node> {
    readonly item: A
  }
  const layout = new HmapLayout<Node>()
  for (const item of items) layout.insert({ item, hash: hash(item), hmapNext: undefined })
  const out: Array<A> = []
  for (let node = layout.first(); node !== undefined; node = layout.next(node)) out.push(node.item)
  return out
}

/** A node of an `HmapLayout`: its hash, and the next node of its bucket (the layout's to set). */
export interface HmapNode<A> {
  readonly hash: number
  hmapNext: A | undefined
}

/**
 * An `hmap`'s layout kept up to date as nodes come and go, to walk it as ovsdb-server does, also
 * while nodes are added during the walk (`HMAP_FOR_EACH_SAFE` takes the next node before visiting
 * one). Buckets are chains, as in `lib/hmap.c`: a node goes to the head of bucket `hash & mask`.
 */
export class HmapLayout<A extends HmapNode<A>> {
  private mask = 0
  private buckets: Array<A | undefined> = [undefined]
  private n = 0

  /** `hmap_insert`: at the head of its bucket, then grow when `n / 2` exceeds the mask. */
  insert(node: A): void {
    const index = node.hash & this.mask
    node.hmapNext = this.buckets[index]
    this.buckets[index] = node
    this.n++
    if (Math.floor(this.n / 2) > this.mask) this.grow()
  }

  /** `calc_mask(n)` when one insert takes n / 2 past the mask: at least 4 buckets, then twice as many. */
  private grow(): void {
    const mask = this.mask === 0 ? 3 : this.mask * 2 + 1
    const buckets: Array<A | undefined> = new Array(mask + 1).fill(undefined)
    for (let node of this.buckets) {
      while (node !== undefined) {
        const next = node.hmapNext
        const index = node.hash & mask
        node.hmapNext = buckets[index]
        buckets[index] = node
        node = next
      }
    }
    this.buckets = buckets
    this.mask = mask
  }

  /** `hmap_remove` (the map never shrinks). */
  remove(node: A): void {
    const index = node.hash & this.mask
    if (this.buckets[index] === node) this.buckets[index] = node.hmapNext
    else {
      let before = this.buckets[index]
      while (before !== undefined && before.hmapNext !== node) before = before.hmapNext
      if (before === undefined) return
      before.hmapNext = node.hmapNext
    }
    node.hmapNext = undefined
    this.n--
  }

  /** The first node in walk order. */
  first(): A | undefined {
    return this.fromBucket(0)
  }

  /** The node after `node` in walk order (`hmap_next`). */
  next(node: A): A | undefined {
    return node.hmapNext ?? this.fromBucket((node.hash & this.mask) + 1)
  }

  private fromBucket(start: number): A | undefined {
    for (let i = start; i <= this.mask; i++) {
      const node = this.buckets[i]
      if (node !== undefined) return node
    }
    return undefined
  }
}

/** `uuid_hash`: a UUID's first 32 bits. */
export const uuidHash = (uuid: string): number => parseInt(uuid.slice(0, 8), 16)
