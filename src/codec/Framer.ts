/**
 * Incremental framing of a byte stream of back-to-back JSON values (RFC 7047 §4: OVSDB sends JSON
 * texts with no delimiter between them; whitespace may separate them; any read may end anywhere).
 *
 * The framer scans bytes, keeping its state (nesting depth, inside a string, after a backslash)
 * across reads, so a frame costs O(its bytes) however it is split, and no read's buffer is held for
 * longer than the read. A frame that spans reads is kept as its text, decoded a read at a time
 * (`PendingText`), or, for `pushFrames`, as its bytes in one buffer that grows by doubling. Each
 * complete frame is parsed by the native `JSON.parse`, unless it contains an integer literal long
 * enough to exceed 2^53, which goes to the exact reader of `Json.parse`.
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
import { decode, PendingText } from "./PendingText.js"

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
}

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
  /** The pending frame's text so far, when it is to be parsed. */
  private text: PendingText | undefined
  /** The pending frame's bytes so far, when it is to be given unparsed: the first `frameBytes` of `frame`. */
  private frame: Buffer | undefined
  /** How many bytes the pending frame has so far. */
  private frameBytes = 0
  private depth = 0
  private inString = false
  private escaped = false
  private digitRun = 0
  private hasLongInteger = false
  private offset = 0
  private failure: Failed | undefined

  constructor(options: Options) {
    this.maxFrameBytes = options.maxFrameBytes
    this.maxDepth = options.maxDepth ?? Json.DEFAULT_MAX_DEPTH
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
        if (++digitRun >= LONG_DIGITS) this.hasLongInteger = true
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
          break
        case CLOSE:
          if (depth === 0) return this.malformed(chunk, i, "a closing bracket with nothing open")
          if (--depth === 0) {
            const frame: Result.Result<Json.Json | Uint8Array, Failed> = raw
              ? this.frameOf(chunk, start, i + 1)
              : this.complete(chunk, start, i + 1)
            if (Result.isFailure(frame)) return frame.failure
            values.push(frame.success)
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
      const rest = chunk.subarray(start)
      if (this.frameBytes + rest.length > this.maxFrameBytes) return this.tooLarge()
      if (!this.append(rest, raw)) return this.notUtf8(n)
    }
    return { _tag: "Scanned", values }
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
   * Adds bytes to the pending frame: to its text, or to its bytes when it began in `pushFrames`
   * (a frame's first bytes choose). `false` when they are not UTF-8.
   */
  private append(bytes: Uint8Array, raw: boolean): boolean {
    if (this.frameBytes === 0 && !raw) this.text = new PendingText()
    const at = this.frameBytes
    this.frameBytes += bytes.length
    if (this.text !== undefined) return this.text.append(bytes)
    if (this.frame === undefined || this.frame.length < this.frameBytes) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.frameBytes * 2, MIN_PENDING_BYTES))
      if (this.frame !== undefined) this.frame.copy(grown, 0, 0, at)
      this.frame = grown
    }
    this.frame.set(bytes, at)
    return true
  }

  /**
   * Ends the frame ending at `end` of this chunk, and lets go of what the framer held of it. Gives
   * its text when it spanned reads as text (`undefined` when not UTF-8), else its bytes, not yet
   * checked: the pending buffer itself when it spanned reads, else a view of the chunk.
   */
  private take(chunk: Uint8Array, start: number, end: number): Result.Result<string | Buffer | undefined, Failed> {
    const last = chunk.subarray(start, end)
    if (this.frameBytes + last.length > this.maxFrameBytes) return Result.fail(this.tooLarge())
    let taken: string | Buffer | undefined = Buffer.from(last.buffer, last.byteOffset, last.length)
    if (this.frameBytes > 0) {
      // The pending frame's own kind decides where its last bytes go; the flag only starts one.
      const appended = this.append(last, this.text === undefined)
      taken = this.text === undefined
        ? this.frame!.subarray(0, this.frameBytes)
        : appended
        ? this.text.finish()
        : undefined
      this.text = undefined
      this.frame = undefined
      this.frameBytes = 0
    }
    return Result.succeed(taken)
  }

  /** The bytes of the frame ending at `end`, owned by the caller (a chunk's view is copied: a reader may reuse its buffer). */
  private frameOf(chunk: Uint8Array, start: number, end: number): Result.Result<Uint8Array, Failed> {
    const spans = this.frameBytes > 0
    return Result.flatMap(this.take(chunk, start, end), (taken) => {
      if (typeof taken === "string") return Result.succeed(Buffer.from(taken, "utf8"))
      if (taken === undefined || !isUtf8(taken)) return Result.fail(this.notUtf8(end))
      return Result.succeed(spans ? taken : Buffer.from(taken))
    })
  }

  /** The text of the frame ending at `end` of this chunk. */
  private frameText(chunk: Uint8Array, start: number, end: number): Result.Result<string, Failed> {
    return Result.flatMap(this.take(chunk, start, end), (taken) => {
      const text = taken === undefined || typeof taken === "string" ? taken : decode(taken)
      return text === undefined ? Result.fail(this.notUtf8(end)) : Result.succeed(text)
    })
  }

  /** Joins the frame ending at `end` of this chunk and parses it. */
  private complete(chunk: Uint8Array, start: number, end: number): Result.Result<Json.Json, Failed> {
    const decoded = this.frameText(chunk, start, end)
    if (Result.isFailure(decoded)) return decoded
    const text = decoded.success
    const where = () => `in the message ending at byte ${this.offset + end}`
    const exact = this.hasLongInteger
    this.hasLongInteger = false
    if (exact) {
      return Result.mapError(
        Json.parse(text, { maxDepth: this.maxDepth }),
        (detail) => this.fail("Malformed", `${detail} ${where()}`)
      )
    }
    try {
      return Result.succeed(JSON.parse(text) as Json.Json)
    } catch (error) {
      return Result.fail(this.fail("Malformed", `${(error as Error).message} ${where()}`))
    }
  }
}
