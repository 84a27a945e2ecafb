/**
 * JSON values as OVSDB carries them: like `JSON.parse` output, except that integers outside
 * JavaScript's safe range (OVSDB integers are 64-bit, RFC 7047 §3.1) are `bigint`, so they survive
 * exactly. A 100G interface's byte counters pass 2^53 in days; rounding them silently is not an
 * option.
 *
 * `parse` is the exact reader for text known to hold long integer literals; the codec only sends
 * such frames here and gives every other frame to the native `JSON.parse`. `stringify` writes
 * bigints as bare digits and costs nothing extra when there are none.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"

/**
 * A JSON value. Integers beyond ±(2^53 - 1) are `bigint`; every other number is a `number`.
 *
 * @since 0.1.0
 * @category models
 */
export type Json =
  | null
  | boolean
  | number
  | bigint
  | string
  | ReadonlyArray<Json>
  | { readonly [key: string]: Json }

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/** A number literal: an integer stays exact when it does not fit a double. */
const toNumber = (literal: string): number | bigint => {
  if (!/[.eE]/.test(literal) && literal.length > 15) {
    const big = BigInt(literal)
    if (big > MAX_SAFE || big < -MAX_SAFE) return big
  }
  return Number(literal)
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/**
 * The deepest nesting ovsdb-server's own JSON parser accepts (`JSON_MAX_HEIGHT` in Open vSwitch's
 * `lib/json.c`): a value inside 1000 arrays or objects, the outermost counted, is read; one more
 * level is refused. OVSDB values themselves are a few levels deep.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_DEPTH = 1000

/** Sets a member as `JSON.parse` does: "__proto__" is an own property, never the object's prototype. */
const setMember = (object: { [key: string]: Json }, key: string, value: Json): void => {
  if (key === "__proto__") {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
  } else object[key] = value
}

/**
 * A reader of RFC 8259 JSON text that keeps the arrays and objects it is inside on a stack of its
 * own, so that no nesting, however deep, can exhaust the call stack; `fail` holds the first problem.
 */
class ExactReader {
  private at = 0
  constructor(private readonly text: string, private readonly maxDepth: number) {}

  read(): Result.Result<Json, string> {
    try {
      const value = this.value()
      this.space()
      return this.at === this.text.length ? Result.succeed(value) : this.fail("trailing characters")
    } catch (error) {
      return Result.fail(error instanceof SyntaxError ? error.message : String(error))
    }
  }

  private fail(what: string): never {
    throw new SyntaxError(`${what} at offset ${this.at}`)
  }

  private space(): void {
    const text = this.text
    while (this.at < text.length) {
      const c = text.charCodeAt(this.at)
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return
      this.at++
    }
  }

  private value(): Json {
    // The arrays and objects open around the value being read, outermost first, and for each open
    // object the name of the member being read (unused for an array).
    const open: Array<Array<Json> | { [key: string]: Json }> = []
    const names: Array<string> = []
    for (;;) {
      this.space()
      const c = this.text[this.at]
      let value: Json
      if (c === "[" || c === "{") {
        if (open.length >= this.maxDepth) this.fail(`nesting deeper than the limit of ${this.maxDepth}`)
        this.at++
        this.space()
        if (this.text[this.at] === (c === "[" ? "]" : "}")) {
          this.at++
          value = c === "[" ? [] : {}
        } else {
          open.push(c === "[" ? [] : {})
          names.push(c === "[" ? "" : this.memberName())
          continue
        }
      } else {
        value = this.scalar(c)
      }
      // Store the value in its container, and close every container that ends after it.
      for (;;) {
        const container = open[open.length - 1]
        if (container === undefined) return value
        const isArray = Array.isArray(container)
        if (isArray) container.push(value)
        else setMember(container, names[names.length - 1]!, value)
        this.space()
        const next = this.text[this.at++]
        if (next === ",") {
          if (!isArray) names[names.length - 1] = this.memberName()
          break
        }
        if (next !== (isArray ? "]" : "}")) this.fail(isArray ? "expected , or ]" : "expected , or }")
        value = container
        open.pop()
        names.pop()
      }
    }
  }

  /** A member name and its colon. */
  private memberName(): string {
    this.space()
    if (this.text[this.at] !== "\"") this.fail("expected a member name")
    const name = this.string()
    this.space()
    if (this.text[this.at++] !== ":") this.fail("expected :")
    return name
  }

  private scalar(c: string | undefined): Json {
    switch (c) {
      case "\"":
        return this.string()
      case "t":
        return this.word("true", true)
      case "f":
        return this.word("false", false)
      case "n":
        return this.word("null", null)
      default: {
        NUMBER.lastIndex = this.at
        const match = NUMBER.exec(this.text)
        if (match === null) return this.fail(c === undefined ? "unexpected end" : `unexpected ${JSON.stringify(c)}`)
        this.at += match[0].length
        return toNumber(match[0])
      }
    }
  }

  private word<A extends Json>(word: string, value: A): A {
    if (!this.text.startsWith(word, this.at)) this.fail("invalid literal")
    this.at += word.length
    return value
  }

  private string(): string {
    const start = this.at
    let end = start + 1
    for (;;) {
      end = this.text.indexOf("\"", end)
      if (end === -1) return this.fail("unterminated string")
      let backslashes = 0
      while (this.text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++
      if (backslashes % 2 === 0) break
      end++
    }
    this.at = end + 1
    // The string's own escapes are the native parser's job.
    return JSON.parse(this.text.slice(start, end + 1)) as string
  }
}

/**
 * Options of `parse`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParseOptions {
  /**
   * The deepest nesting read, the outermost array or object counted; deeper text is a failure.
   * Default: `DEFAULT_MAX_DEPTH`, ovsdb-server's own limit.
   */
  readonly maxDepth?: number | undefined
}

/**
 * Reads JSON text exactly: integers beyond ±(2^53 - 1) become `bigint`. Text nested deeper than
 * `maxDepth` is a failure; no depth or length of text can make it throw.
 *
 * @example
 * ```ts
 * import { Json } from "effect-ovsdb"
 *
 * Json.parse('{"nb_cfg":9223372036854775807}') // Result.succeed({ nb_cfg: 9223372036854775807n })
 * Json.parse("[[[1]]]", { maxDepth: 2 })       // Result.fail("nesting deeper than the limit of 2 at offset 2")
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const parse = (text: string, options?: ParseOptions): Result.Result<Json, string> =>
  new ExactReader(text, options?.maxDepth ?? DEFAULT_MAX_DEPTH).read()

/** Marks a bigint inside the text JSON.stringify writes, to be replaced by its digits. */
const BIGINT_MARK = `\u0000bigint:${Math.random().toString(36).slice(2)}:`
const BIGINT_MARKED = new RegExp(`"${BIGINT_MARK.replace("\u0000", "\\\\u0000")}(-?\\d+)"`, "g")

/** An array or object being written: its members, and how many of them are done. */
interface Writing {
  readonly container: object
  /** The object's member names; `undefined` for an array. */
  readonly names: ReadonlyArray<string> | undefined
  readonly length: number
  index: number
  /** Whether a member was written yet (an object's `undefined` members are left out). */
  wrote: boolean
}

/** What `JSON.stringify` writes in a value's place: its `toJSON()`, and a boxed primitive unboxed. */
const toJsonValue = (key: string, value: unknown): unknown => {
  if (typeof value !== "object" || value === null) return value
  const toJSON: unknown = (value as { readonly toJSON?: unknown }).toJSON
  const replaced: unknown = typeof toJSON === "function" ? toJSON.call(value, key) : value
  return replaced instanceof Number || replaced instanceof String || replaced instanceof Boolean
    ? replaced.valueOf()
    : replaced
}

const ELIDED = "…"

/**
 * Writes a value as `JSON.stringify` does, bigints as their digits, keeping the arrays and objects
 * being written on a stack of its own, so that no nesting can exhaust the call stack. `undefined`
 * when the value itself is not writable (`undefined`, a function, a symbol).
 *
 * For a message (`elideDeeperThan` finite), containers nested deeper than that and a container
 * inside itself are written `…`; otherwise a container inside itself throws a `TypeError`, as it
 * does for `JSON.stringify`.
 */
const write = (value: unknown, elideDeeperThan: number): string | undefined => {
  const out: Array<string> = []
  const stack: Array<Writing> = []
  const inside = new Set<object>()
  /** Writes one value, opening it if it is a container; false when it is not writable. */
  const put = (key: string, input: unknown): boolean => {
    const item = toJsonValue(key, input)
    switch (typeof item) {
      case "string":
        out.push(JSON.stringify(item))
        return true
      case "number":
        out.push(Number.isFinite(item) ? String(item) : "null")
        return true
      case "bigint":
        out.push(String(item))
        return true
      case "boolean":
        out.push(item ? "true" : "false")
        return true
      case "object": {
        if (item === null) {
          out.push("null")
          return true
        }
        if (inside.has(item)) {
          if (elideDeeperThan === Infinity) throw new TypeError("Converting circular structure to JSON")
          out.push(ELIDED)
          return true
        }
        if (stack.length >= elideDeeperThan) {
          out.push(ELIDED)
          return true
        }
        const names = Array.isArray(item) ? undefined : Object.keys(item)
        const length = names === undefined ? (item as ReadonlyArray<unknown>).length : names.length
        out.push(names === undefined ? "[" : "{")
        stack.push({ container: item, names, length, index: 0, wrote: false })
        inside.add(item)
        return true
      }
      default:
        return false
    }
  }
  if (!put("", value)) return undefined
  for (let top = stack[stack.length - 1]; top !== undefined; top = stack[stack.length - 1]) {
    if (top.index === top.length) {
      out.push(top.names === undefined ? "]" : "}")
      stack.pop()
      inside.delete(top.container)
      continue
    }
    const index = top.index++
    if (top.names === undefined) {
      if (index > 0) out.push(",")
      // An array's unwritable member is written null, as JSON.stringify does.
      if (!put(String(index), (top.container as ReadonlyArray<unknown>)[index])) out.push("null")
    } else {
      const name = top.names[index]!
      const mark = out.length
      out.push(top.wrote ? "," : "", JSON.stringify(name), ":")
      if (put(name, (top.container as { readonly [key: string]: unknown })[name])) top.wrote = true
      else out.length = mark // an object's unwritable member is left out
    }
  }
  return out.join("")
}

/**
 * Writes a value as compact JSON text; bigints are written as bare integer literals. Any depth of
 * nesting is written (beyond what the native writer's stack holds, by a writer of its own). A value
 * that contains itself is not JSON: that throws a `TypeError`, as it does for `JSON.stringify`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const stringify = (value: Json): string => {
  try {
    return JSON.stringify(value) // the common case: no bigint, native speed
  } catch {
    try {
      // JSON.stringify refuses bigints: mark each one, then splice its digits in.
      return JSON.stringify(value, (_key, item: unknown) => typeof item === "bigint" ? `${BIGINT_MARK}${item}` : item)
        .replace(BIGINT_MARKED, "$1")
    } catch {
      // The native writer runs out of stack a few thousand levels down.
      return write(value, Infinity)! // not undefined: JSON.stringify would have returned that
    }
  }
}

/** How deep a message shows a value; OVSDB values are a few levels deep. */
const SHOWN_DEPTH = 32

/**
 * A value as an error message shows it: its JSON text, bigints as their digits, `undefined` as
 * `undefined`; arrays and objects nested more than 32 deep, and a value inside itself, are shown
 * as `…`. Never throws, whatever it is given, and needs no more stack for a deeper value.
 *
 * @example
 * ```ts
 * import { Json } from "effect-ovsdb"
 *
 * Json.show({ n: 9223372036854775807n }) // '{"n":9223372036854775807}'
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const show = (value: unknown): string => {
  try {
    return write(value, SHOWN_DEPTH) ?? String(value)
  } catch {
    return "<a value that cannot be shown>" // its toJSON, a getter or its toString threw
  }
}
