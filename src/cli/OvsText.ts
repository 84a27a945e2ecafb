/**
 * Output exactly as ovsdb-client prints it: JSON with object members sorted by name, text tables
 * with aligned columns, and lists in the order of Open vSwitch's own hash tables.
 *
 * That last point is why this module exists: ovsdb-client keeps a schema's tables and columns in
 * an `shash` (lib/shash.c over lib/hmap.c, keyed by `hash_string`, lib/hash.c) and prints them in
 * iteration order. Reproducing that order — the same hash, the same bucket growth, the same
 * head-of-bucket insertion — is what makes `list-tables` print the same text.
 *
 * @since 0.1.0
 */
import type { Json } from "../Json.js"
import * as JsonText from "../Json.js"

/**
 * JSON text with every object's members sorted by name (ovsdb-client's `JSSF_SORT`).
 *
 * @since 0.1.0
 * @category formatting
 */
export const sortedJson = (value: Json): string => JsonText.stringify(sortKeys(value))

const sortKeys = (value: Json): Json => {
  // Rows of one table share their member names, in the same order: each list is sorted once.
  const orders = new Map<string, ReadonlyArray<string>>()
  const sort = (item: Json): Json => {
    if (typeof item !== "object" || item === null) return item
    if (Array.isArray(item)) return item.map(sort)
    const record = item as { readonly [key: string]: Json }
    const keys = Object.keys(record)
    const signature = keys.join("\u0000")
    let order = orders.get(signature)
    if (order === undefined) {
      order = keys.sort(compareBytes)
      orders.set(signature, order)
    }
    const out: { [key: string]: Json } = {}
    for (const key of order) out[key] = sort(record[key]!)
    return out
  }
  return sort(value)
}

/** A UTF-16 code unit moved so that code units compare as their code points do: surrogates above the rest of the BMP. */
const codePointRank = (unit: number): number => unit < 0xd800 ? unit : unit < 0xe000 ? unit + 0x2000 : unit - 0x800

/**
 * strcmp order: by UTF-8 bytes, as C compares. UTF-8 orders as code points do, and so do UTF-16
 * code units except that surrogates (U+D800–DFFF, the halves of code points beyond U+FFFF) sort
 * after U+E000–FFFF; so the first differing code units decide, ranked.
 *
 * @example
 * ```ts
 * ["b", "a", "\u{1F600}", "\uFFFD"].sort(compareBytes) // ["a", "b", "\uFFFD", "\u{1F600}"]
 * ```
 *
 * @since 0.1.0
 * @category ordering
 */
export const compareBytes = (a: string, b: string): number => {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

/**
 * A text table as lib/table.c prints it: a header, dashes under each column, columns separated by
 * one space and padded to their widest cell, the last column unpadded.
 *
 * @since 0.1.0
 * @category formatting
 */
export const table = (headings: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = headings.map((heading, i) => Math.max(heading.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((cell, i) => i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)).join(" ")
  return [line(headings), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].map((l) => `${l}\n`).join("")
}

// --- lib/hash.c: hash_string (murmur3-style mhash), on a build without SSE 4.2 CRC32 ---

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0

const mhashAdd = (hash: number, data: number): number => {
  let d = Math.imul(data, 0xcc9e2d51)
  d = Math.imul(rotl(d >>> 0, 15), 0x1b873593)
  const h = rotl((hash ^ d) >>> 0, 13)
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

/**
 * `hash_string(s, 0)`: 4 little-endian bytes at a time, the tail zero-padded, then finished with the length.
 *
 * @since 0.1.0
 * @category ordering
 */
export const hashString = (text: string): number => {
  const bytes = Buffer.from(text, "utf8")
  let hash = 0
  let i = 0
  for (; i + 4 <= bytes.length; i += 4) hash = mhashAdd(hash, bytes.readUInt32LE(i))
  if (i < bytes.length) {
    let tail = 0
    for (let j = 0; i + j < bytes.length; j++) tail |= bytes[i + j]! << (8 * j)
    hash = mhashAdd(hash, tail >>> 0)
  }
  return mhashFinish((hash ^ bytes.length) >>> 0)
}

// --- lib/hmap.c: buckets, head insertion, growth by rehashing bucket by bucket ---

const calcMask = (capacity: number): number => {
  let mask = Math.floor(capacity / 2)
  mask |= mask >>> 1
  mask |= mask >>> 2
  mask |= mask >>> 4
  mask |= mask >>> 8
  mask |= mask >>> 16
  mask |= (mask & 1) << 1
  return mask >>> 0
}

interface Node {
  readonly key: string
  readonly hash: number
}

/**
 * The order in which an `shash` filled with `keys` (in that order) iterates.
 *
 * @since 0.1.0
 * @category ordering
 */
export const shashOrder = (keys: Iterable<string>): Array<string> => {
  let mask = 0
  let buckets: Array<Array<Node>> = [[]]
  let n = 0
  const insertFast = (node: Node) => buckets[node.hash & mask]!.unshift(node)
  for (const key of keys) {
    insertFast({ key, hash: hashString(key) })
    n++
    if (Math.floor(n / 2) > mask) {
      const newMask = calcMask(n)
      if (newMask > mask) {
        const old = buckets
        mask = newMask
        buckets = Array.from({ length: mask + 1 }, () => [])
        for (const bucket of old) for (const node of bucket) insertFast(node)
      }
    }
  }
  return buckets.flatMap((bucket) => bucket.map((node) => node.key))
}

/**
 * The order ovsdb-client lists a schema's tables: the JSON parser fills one shash from the reply's
 * text order, and the schema parser fills another from that one's iteration.
 *
 * @since 0.1.0
 * @category ordering
 */
export const tableOrder = (namesInReplyOrder: Iterable<string>): Array<string> =>
  shashOrder(shashOrder(namesInReplyOrder))

/**
 * The order ovsdb-client lists a table's columns: the implicit `_uuid` and `_version` go in first,
 * then the columns in the parsed JSON object's iteration order.
 *
 * @since 0.1.0
 * @category ordering
 */
export const columnOrder = (namesInReplyOrder: Iterable<string>): Array<string> =>
  shashOrder(["_uuid", "_version", ...shashOrder(namesInReplyOrder)])
