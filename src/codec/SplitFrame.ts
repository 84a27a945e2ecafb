/**
 * A frame that spans reads, parsed as it arrives. Each value nested `SPLIT_DEPTH` deep, a row in
 * OVSDB's replies and notifications (`result` → table → UUID → row update → row), is parsed as soon
 * as its last byte arrives. The rest of the frame, its skeleton, keeps a marker in each such
 * value's place: `[i]` for the i-th. When the frame ends, the skeleton is parsed and each marker
 * replaced by its value.
 *
 * So a frame of tens of MB is never held as one text: what is held while it arrives is the values
 * parsed so far and a skeleton of a few bytes a row, and each row's text is garbage as soon as it
 * is parsed. A read is decoded once, and the values that end in it are parsed by one `JSON.parse`
 * of their texts as one array: a call per row would cost more than the parse of a row.
 *
 * The value is the one the whole text would parse to: every value at that depth is replaced, so
 * every array found there in the skeleton is a marker, and the skeleton is valid JSON exactly when
 * the frame is (a valid value stands where a valid value stood).
 *
 * A frame may instead have a reader (`NestedReader`), which takes each nested value once it is
 * parsed: the frame then keeps the markers, and its reader what they stand for. A monitor's reply
 * is read so: each row decoded while its JSON is new, and the JSON never whole.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { isAscii } from "node:buffer"
import * as Json from "../Json.js"
import { GrowingBytes } from "./GrowingBytes.js"
import { decode, PendingText } from "./PendingText.js"

/**
 * The depth, the frame's outermost value counted as 1, of the values parsed on their own.
 *
 * @since 0.1.0
 * @category constants
 */
export const SPLIT_DEPTH = 5

/**
 * What went wrong: bytes that are not UTF-8, or text that is not JSON (the parser's words).
 *
 * @since 0.1.0
 * @category models
 */
export type Problem = { readonly _tag: "NotUtf8" } | { readonly _tag: "Malformed"; readonly detail: string }

const NOT_UTF8: Problem = { _tag: "NotUtf8" }

/** The skeleton's first buffer: a few bytes a row, for a frame that spans reads. */
const SKELETON_BYTES = 16 * 1024

/**
 * Where the nested values of one read are: for each that ends in it, its start (-1 when it began in
 * an earlier read), its end (exclusive) and whether it has an integer literal too long for a double
 * (1) or not (0), three numbers a value.
 *
 * @since 0.1.0
 * @category models
 */
export type Nested = Array<number>

/**
 * Takes each nested value of a frame, with its marker's index, as soon as it is parsed; the frame
 * keeps the marker `[marker]` in the value's place. It must not throw.
 *
 * @since 0.1.0
 * @category models
 */
export type NestedReader = (value: Json.Json, marker: number) => void

type Container = { [key: string]: Json.Json } | Array<Json.Json>

/**
 * Parses JSON text: by the native `JSON.parse`, or, `exact`, when it has integer literals long
 * enough to exceed 2^53, by the exact reader of `Json.parse`. A failure is the parser's words.
 *
 * @example
 * ```ts
 * parseText("[1,2]", false, 1000)                // Result.succeed([1, 2])
 * parseText("[9223372036854775807]", true, 1000) // Result.succeed([9223372036854775807n])
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseText = (text: string, exact: boolean, maxDepth: number): Result.Result<Json.Json, string> => {
  if (exact) return Json.parse(text, { maxDepth })
  try {
    return Result.succeed(JSON.parse(text) as Json.Json)
  } catch (error) {
    return Result.fail((error as Error).message)
  }
}

/** `parseText`, failing with a `Problem`. */
const parse = (text: string, exact: boolean, maxDepth: number): Result.Result<Json.Json, Problem> =>
  Result.mapError(parseText(text, exact, maxDepth), (detail): Problem => ({ _tag: "Malformed", detail }))

/**
 * A frame being parsed a read at a time.
 *
 * @example
 * ```ts
 * // The frame {"a":{"b":{"c":{"d":{"e":1}}}}} arriving in two reads; the value at depth 5 is {"e":1}.
 * const bytes = new TextEncoder().encode('{"a":{"b":{"c":{"d":{"e":1}}}}}')
 * const frame = new SplitFrame(1000)
 * frame.feed(bytes, 0, 22, [], 20)        // the value at depth 5 began at byte 20
 * frame.feed(bytes, 22, 31, [-1, 27, 0])  // ... and ends in this read
 * frame.finish(false)                     // Result.succeed({ a: { b: { c: { d: { e: 1 } } } } })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export class SplitFrame {
  /** The skeleton's bytes: checked as UTF-8 when the frame ends. */
  private readonly skeleton = new GrowingBytes(SKELETON_BYTES)
  /** The nested values, by marker, when the frame has no reader. */
  private readonly values: Array<Json.Json> = []
  /** How many markers the skeleton has. */
  private markers = 0
  /** The nested value that the last read left open, and its marker. */
  private open: PendingText | undefined
  private openMarker = -1

  constructor(private readonly maxDepth: number, private readonly reader?: NestedReader) {}

  /**
   * Takes bytes `from`–`to` of a read: `nested` says where the nested values that end in them are,
   * `openAt` where one that is still open at `to` starts (-1 when it began in an earlier read).
   */
  feed(
    read: Uint8Array,
    from: number,
    to: number,
    nested: Nested,
    openAt: number | undefined
  ): Problem | undefined {
    const bytes = Buffer.from(read.buffer, read.byteOffset, read.length)
    // An ASCII read is decoded once and cut by its byte offsets; any other, value by value.
    const text = isAscii(bytes.subarray(from, to)) ? bytes.toString("latin1", from, to) : undefined
    const textOf = (start: number, end: number) =>
      text === undefined ? decode(bytes.subarray(start, end)) : text.slice(start - from, end - from)
    const group: Array<string> = []
    const markers: Array<number> = []
    let at = from
    for (let k = 0; k < nested.length; k += 3) {
      const start = nested[k]!
      const end = nested[k + 1]!
      const exact = nested[k + 2] === 1
      let problem: Problem | undefined
      if (start < 0) {
        const whole = this.open!.append(bytes.subarray(at, end)) ? this.open!.finish() : undefined
        this.open = undefined
        problem = this.place(this.openMarker, whole, exact)
      } else {
        this.skeleton.append(bytes.subarray(at, start))
        const marker = this.mark()
        const value = textOf(start, end)
        if (exact || value === undefined) problem = this.place(marker, value, exact)
        else {
          group.push(value)
          markers.push(marker)
        }
      }
      if (problem !== undefined) return problem
      at = end
    }
    const problem = this.placeAll(markers, group)
    if (problem !== undefined) return problem
    if (openAt === undefined) return void this.skeleton.append(bytes.subarray(at, to))
    if (openAt >= 0) {
      this.skeleton.append(bytes.subarray(at, openAt))
      this.openMarker = this.mark()
      this.open = new PendingText()
      at = openAt
    }
    return this.open!.append(bytes.subarray(at, to)) ? undefined : NOT_UTF8
  }

  /** Parses one nested value's text (`undefined`: not UTF-8) into its place. */
  private place(marker: number, text: string | undefined, exact: boolean): Problem | undefined {
    if (text === undefined) return NOT_UTF8
    const value = parse(text, exact, this.maxDepth)
    if (Result.isFailure(value)) return value.failure
    this.keep(marker, value.success)
  }

  /** Gives a parsed nested value to the reader, or keeps it for its marker. */
  private keep(marker: number, value: Json.Json): void {
    if (this.reader === undefined) this.values[marker] = value
    else this.reader(value, marker)
  }

  /** Parses nested values' texts, as one array, into their places. */
  private placeAll(markers: ReadonlyArray<number>, texts: ReadonlyArray<string>): Problem | undefined {
    if (texts.length === 0) return undefined
    const parsed = parse(`[${texts.join(",")}]`, false, this.maxDepth)
    if (Result.isFailure(parsed)) return parsed.failure
    const values = parsed.success as ReadonlyArray<Json.Json>
    for (let i = 0; i < markers.length; i++) this.keep(markers[i]!, values[i]!)
  }

  /** Puts the next value's marker in the skeleton and reserves its place, whose index it gives. */
  private mark(): number {
    const marker = this.markers++
    this.skeleton.appendLatin1(`[${marker}]`)
    if (this.reader === undefined) this.values.push(null)
    return marker
  }

  /**
   * The frame's value, once its last bytes are fed; `exact` when its skeleton has long integer
   * literals. With a reader, the markers stay in it.
   */
  finish(exact: boolean): Result.Result<Json.Json, Problem> {
    const text = decode(this.skeleton.bytes())
    if (text === undefined) return Result.fail(NOT_UTF8)
    return Result.map(parse(text, exact, this.maxDepth), (skeleton) => {
      if (this.reader === undefined) this.fill(skeleton, 1)
      return skeleton
    })
  }

  /** Replaces the markers among the values nested in `json`, which is `depth` deep. */
  private fill(json: Json.Json, depth: number): void {
    if (typeof json !== "object" || json === null || typeof json === "bigint") return
    const container = json as Container
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        if (depth + 1 === SPLIT_DEPTH) container[i] = this.valueOf(container[i]!)
        else this.fill(container[i]!, depth + 1)
      }
      return
    }
    // Every key is an own property already, `__proto__` too: setting it sets that property.
    for (const key of Object.keys(container)) {
      if (depth + 1 === SPLIT_DEPTH) container[key] = this.valueOf(container[key]!)
      else this.fill(container[key]!, depth + 1)
    }
  }

  /** The value a skeleton's marker stands for; any other value (a number, a string) as it is. */
  private valueOf(json: Json.Json): Json.Json {
    return Array.isArray(json) ? this.values[json[0] as number]! : json
  }
}
