/**
 * Incremental framing of a byte stream of back-to-back JSON values (RFC 7047 §4: OVSDB sends JSON
 * texts with no delimiter between them; whitespace may separate them; any read may end anywhere).
 *
 * The framer scans bytes, keeping its state (nesting depth, inside a string, after a backslash)
 * across reads, so a frame costs O(its bytes) however it is split, and no read's buffer is held for
 * longer than the read. A frame within one read is parsed whole by the native `JSON.parse`. A frame
 * that spans reads is parsed as it arrives, its rows one by one (`SplitFrame`), or, for
 * `pushFrames`, kept as its bytes in one buffer that grows by doubling. A text with an integer
 * literal long enough to exceed 2^53 goes to the exact reader of `Json.parse` instead.
 *
 * A frame nested deeper than `maxDepth` fails as soon as the bracket that passes the limit arrives,
 * as ovsdb-server's own parser refuses one: nothing downstream then has to walk an arbitrarily deep
 * value.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { isUtf8 } from "node:buffer"
import * as Json from "../Json.js"
import { GrowingBytes } from "./GrowingBytes.js"
import { decode } from "./PendingText.js"
import { type Nested, type NestedReader, parseText, type Problem, SPLIT_DEPTH, SplitFrame } from "./SplitFrame.js"

/**
 * What a push produced: the values completed by these bytes, or why the stream is unusable.
 *
 * @since 0.1.0
 * @category models
 */
export type PushResult =
  | { readonly _tag: "Values"; readonly values: ReadonlyArray<Json.Json> }
  | { readonly _tag: "Failure"; readonly reason: Failure; readonly detail: string }

/**
 * Why the stream is unusable: not JSON, a frame longer than `maxFrameBytes`, or one nested deeper
 * than `maxDepth`.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure = "Malformed" | "TooLarge" | "TooDeep"

/**
 * Framer options.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The largest frame accepted, in bytes; a longer one fails as soon as it passes the limit. */
  readonly maxFrameBytes: number
  /**
   * The deepest nesting accepted, the outermost array or object counted; a deeper frame fails as
   * soon as it passes the limit. Default: `Json.DEFAULT_MAX_DEPTH` (1000, ovsdb-server's own).
   */
  readonly maxDepth?: number | undefined
  /**
   * Chooses, from the first bytes of a frame that spans reads (up to `HEAD_BYTES`, as far as the
   * read goes), who takes its nested values as they are parsed (`SplitFrame`): the frame then keeps
   * a marker in each one's place. None when absent or when it gives `undefined`.
   */
  readonly readerFor?: ((head: Uint8Array) => NestedReader | undefined) | undefined
}

/**
 * How many of a frame's first bytes `Options.readerFor` is shown: enough for the id of a reply.
 *
 * @since 0.1.0
 * @category constants
 */
export const HEAD_BYTES = 32

/**
 * What `pushFrames` produced: the bytes of each value completed by these bytes (valid UTF-8, not
 * parsed), or why the stream is unusable.
 *
 * @since 0.1.0
 * @category models
 */
export type FramesResult =
  | { readonly _tag: "Frames"; readonly frames: ReadonlyArray<Uint8Array> }
  | { readonly _tag: "Failure"; readonly reason: Failure; readonly detail: string }

type Failed = Extract<PushResult, { readonly _tag: "Failure" }>

/** What one scan produced: values (parsed, or frames' bytes), or a failure. */
type Scanned = { readonly _tag: "Scanned"; readonly values: ReadonlyArray<Json.Json | Uint8Array> } | Failed

const QUOTE = 0x22
const BACKSLASH = 0x5c

// Byte classes outside strings.
const SPACE = 1
const OPEN = 2
const CLOSE = 3
const DIGIT = 4
const CLASSES = (() => {
  const table = new Uint8Array(256)
  for (const c of " \t\r\n") table[c.charCodeAt(0)] = SPACE
  for (const c of "{[") table[c.charCodeAt(0)] = OPEN
  for (const c of "}]") table[c.charCodeAt(0)] = CLOSE
  for (const c of "0123456789") table[c.charCodeAt(0)] = DIGIT
  return table
})()

/** The smallest buffer a frame that spans reads starts with. */
const MIN_PENDING_BYTES = 64 * 1024

/** An integer literal of this many digits may exceed 2^53 - 1 (16 digits). */
const LONG_DIGITS = 16

/**
 * The index of the quote that closes a string whose content starts at `from`, or `chunk.length`
 * when the string runs past the chunk (one more when the chunk ends in an escaping backslash, whose
 * escaped byte is the next chunk's first). A plain loop: the strings of OVSDB messages are short
 * (UUIDs, names), and for them it beats a native `indexOf` call per string.
 */
const stringEnd = (chunk: Uint8Array, from: number): number => {
  const n = chunk.length
  let at = from
  let byte = 0
  while (at < n && (byte = chunk[at]!) !== QUOTE) at += byte === BACKSLASH ? 2 : 1
  return at
}

const excerpt = (bytes: Uint8Array, at: number): string =>
  JSON.stringify(Buffer.from(bytes.subarray(Math.max(0, at - 20), at + 20)).toString("utf8"))

/**
 * Splits a byte stream into JSON values.
 *
 * @example
 * ```ts
 * const framer = new Framer({ maxFrameBytes: 1 << 20 })
 * framer.push(new TextEncoder().encode('{"id":1,"res'))   // { _tag: "Values", values: [] }
 * framer.push(new TextEncoder().encode('ult":[]}{"id":2')) // { _tag: "Values", values: [{ id: 1, result: [] }] }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export class Framer {
  private readonly maxFrameBytes: number
  private readonly maxDepth: number
  private readonly readerFor: Options["readerFor"]
  /** The pending frame, when it is to be parsed. */
  private split: SplitFrame | undefined
  /** The pending frame's bytes so far, when it is to be given unparsed. */
  private frame: GrowingBytes | undefined
  /** How many bytes the pending frame has so far. */
  private frameBytes = 0
  private depth = 0
  private inString = false
  private escaped = false
  private digitRun = 0
  /** Whether the frame has a long integer literal: anywhere, outside its nested values, in the open nested value. */
  private hasLongInteger = false
  private shallowLong = false
  private nestedLong = false
  private offset = 0
  private failure: Failed | undefined

  constructor(options: Options) {
    this.maxFrameBytes = options.maxFrameBytes
    this.maxDepth = options.maxDepth ?? Json.DEFAULT_MAX_DEPTH
    this.readerFor = options.readerFor
  }

  /** Whether a frame has started and not ended: at end of stream, that is a truncated value. */
  get pending(): boolean {
    return this.depth > 0
  }

  /** Feeds the next bytes of the stream. After a failure, every later push returns that failure. */
  push(chunk: Uint8Array): PushResult {
    const result = this.feed(chunk, false)
    return result._tag === "Failure" ? result : { _tag: "Values", values: result.values as Array<Json.Json> }
  }

  /**
   * Feeds the next bytes of the stream, as `push` does, but gives each completed value as its bytes,
   * unparsed: for a reader that copies or rewrites a large value's text without building it.
   */
  pushFrames(chunk: Uint8Array): FramesResult {
    const result = this.feed(chunk, true)
    return result._tag === "Failure" ? result : { _tag: "Frames", frames: result.values as Array<Uint8Array> }
  }

  private feed(chunk: Uint8Array, raw: boolean): Scanned {
    if (this.failure !== undefined) return this.failure
    const result = this.scan(chunk, raw)
    if (result._tag === "Failure") this.failure = result
    this.offset += chunk.length
    return result
  }

  private fail(reason: Failure, detail: string): Failed {
    return { _tag: "Failure", reason, detail }
  }

  private scan(chunk: Uint8Array, raw: boolean): Scanned {
    const values: Array<Json.Json | Uint8Array> = []
    const n = chunk.length
    // The hot loop works on locals; the state goes back to the fields before returning.
    let depth = this.depth
    const maxDepth = this.maxDepth
    let digitRun = this.digitRun
    let start = 0 // where the current frame starts in this chunk
    // The nested values (SplitFrame) that end in this chunk, and where the open one starts (-1: before it).
    let nested: Nested = []
    let nestedStart = -1
    let i = this.inString ? this.resumeString(chunk) : 0
    while (i < n) {
      const byte = chunk[i]!
      // A string first: in OVSDB messages the commonest thing outside one, and the loop's hot path.
      if (byte === QUOTE && depth > 0) {
        const end = stringEnd(chunk, i + 1)
        if (end >= n) {
          this.inString = true
          this.escaped = end > n
          break
        }
        digitRun = 0
        i = end + 1
        continue
      }
      const kind = CLASSES[byte]!
      if (kind === DIGIT) {
        if (depth === 0) return this.malformed(chunk, i, "a value that is not an object or array")
        if (++digitRun >= LONG_DIGITS) this.longInteger(depth)
        i++
        continue
      }
      digitRun = 0
      switch (kind) {
        case SPACE:
          break
        case OPEN:
          if (depth++ === 0) start = i
          else if (depth > maxDepth) return this.tooDeep(i)
          else if (depth === SPLIT_DEPTH) nestedStart = i
          break
        case CLOSE:
          if (depth === 0) return this.malformed(chunk, i, "a closing bracket with nothing open")
          if (depth === SPLIT_DEPTH) {
            nested.push(nestedStart, i + 1, this.nestedLong ? 1 : 0)
            this.nestedLong = false
          }
          if (--depth === 0) {
            const frame: Result.Result<Json.Json | Uint8Array, Failed> = raw
              ? this.frameOf(chunk, start, i + 1)
              : this.complete(chunk, start, i + 1, nested)
            if (Result.isFailure(frame)) return frame.failure
            values.push(frame.success)
            nested = []
          }
          break
        default:
          if (depth === 0) return this.malformed(chunk, i, "a value that is not an object or array")
      }
      i++
    }
    this.depth = depth
    this.digitRun = digitRun
    if (depth > 0) {
      if (this.frameBytes + n - start > this.maxFrameBytes) return this.tooLarge()
      const problem = this.pend(chunk, start, nested, depth >= SPLIT_DEPTH ? nestedStart : undefined, raw)
      if (problem !== undefined) return problem
    }
    return { _tag: "Scanned", values }
  }

  /** Notes a long integer literal, inside a nested value or outside. */
  private longInteger(depth: number): void {
    this.hasLongInteger = true
    if (depth >= SPLIT_DEPTH) this.nestedLong = true
    else this.shallowLong = true
  }

  /** Continues a string left open by the previous chunk; returns the index after its closing quote. */
  private resumeString(chunk: Uint8Array): number {
    const end = stringEnd(chunk, this.escaped ? 1 : 0)
    if (end >= chunk.length) {
      this.escaped = end > chunk.length
      return chunk.length
    }
    this.inString = false
    this.escaped = false
    return end + 1
  }

  private tooLarge(): Failed {
    return this.fail("TooLarge", `a message longer than the limit of ${this.maxFrameBytes} bytes`)
  }

  private tooDeep(at: number): Failed {
    return this.fail(
      "TooDeep",
      `a message nested deeper than the limit of ${this.maxDepth} levels at byte ${this.offset + at}`
    )
  }

  private malformed(chunk: Uint8Array, at: number, what: string): Failed {
    return this.fail("Malformed", `${what} at byte ${this.offset + at}: ${excerpt(chunk, at)}`)
  }

  private notUtf8(at: number): Failed {
    return this.fail("Malformed", `invalid UTF-8 in the message, by byte ${this.offset + at}`)
  }

  /**
   * Keeps the rest of the chunk, from `start`, for the frame it leaves open: parsed as it comes
   * (`SplitFrame`), or kept as bytes when the frame began in `pushFrames` (a frame's first bytes
   * choose). `openAt` is where a nested value still open at the chunk's end starts.
   */
  private pend(
    chunk: Uint8Array,
    start: number,
    nested: Nested,
    openAt: number | undefined,
    raw: boolean
  ): Failed | undefined {
    if (this.frameBytes === 0 && !raw) {
      const head = chunk.subarray(start, Math.min(chunk.length, start + HEAD_BYTES))
      this.split = new SplitFrame(this.maxDepth, this.readerFor?.(head))
    }
    this.frameBytes += chunk.length - start
    if (this.split !== undefined) {
      return this.problem(this.split.feed(chunk, start, chunk.length, nested, openAt), chunk.length)
    }
    this.frame ??= new GrowingBytes(MIN_PENDING_BYTES)
    this.frame.append(chunk.subarray(start))
  }

  /** A `SplitFrame` problem as the framer's failure, found by byte `at` of this chunk. */
  private problem(problem: Problem | undefined, at: number): Failed | undefined {
    if (problem === undefined) return undefined
    return problem._tag === "NotUtf8"
      ? this.notUtf8(at)
      : this.fail("Malformed", `${problem.detail} in the message, by byte ${this.offset + at}`)
  }

  /** Forgets the frame that just ended. */
  private reset(): void {
    this.split = undefined
    this.frame = undefined
    this.frameBytes = 0
    this.hasLongInteger = false
    this.shallowLong = false
  }

  /**
   * The bytes of the frame ending at `end` of this chunk, not yet checked: the pending buffer
   * itself when the frame spanned reads, else a view of the chunk.
   */
  private take(chunk: Uint8Array, start: number, end: number): Result.Result<Buffer, Failed> {
    const last = chunk.subarray(start, end)
    if (this.frameBytes + last.length > this.maxFrameBytes) return Result.fail(this.tooLarge())
    if (this.frame === undefined) return Result.succeed(Buffer.from(last.buffer, last.byteOffset, last.length))
    this.frame.append(last)
    return Result.succeed(this.frame.bytes())
  }

  /** The bytes of the frame ending at `end`, owned by the caller (a chunk's view is copied: a reader may reuse its buffer). */
  private frameOf(chunk: Uint8Array, start: number, end: number): Result.Result<Uint8Array, Failed> {
    if (this.split !== undefined) {
      return Result.fail(this.fail("Malformed", "a message begun by push, whose bytes are gone, ended by pushFrames"))
    }
    const spans = this.frameBytes > 0
    const taken = this.take(chunk, start, end)
    this.reset()
    return Result.flatMap(taken, (bytes) => {
      if (!isUtf8(bytes)) return Result.fail(this.notUtf8(end))
      return Result.succeed(spans ? bytes : Buffer.from(bytes))
    })
  }

  /** Parses the frame ending at `end` of this chunk, whose nested values ending in it are `nested`. */
  private complete(chunk: Uint8Array, start: number, end: number, nested: Nested): Result.Result<Json.Json, Failed> {
    const split = this.split
    const exact = this.hasLongInteger
    const shallowExact = this.shallowLong
    const frameBytes = this.frameBytes + end - start
    if (frameBytes > this.maxFrameBytes) return Result.fail(this.tooLarge())
    if (split !== undefined) {
      this.reset()
      const problem = this.problem(split.feed(chunk, start, end, nested, undefined), end)
      if (problem !== undefined) return Result.fail(problem)
      return Result.mapError(split.finish(shallowExact), (failure) => this.problem(failure, end)!)
    }
    const taken = this.take(chunk, start, end)
    this.reset()
    if (Result.isFailure(taken)) return Result.fail(taken.failure)
    const text = decode(taken.success)
    if (text === undefined) return Result.fail(this.notUtf8(end))
    return Result.mapError(
      parseText(text, exact, this.maxDepth),
      (detail) => this.fail("Malformed", `${detail} in the message ending at byte ${this.offset + end}`)
    )
  }
}
