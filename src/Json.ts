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
import { Result } from "effect"

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

/** A recursive-descent reader of RFC 8259 JSON text; `fail` holds the first problem found. */
class ExactReader {
  private at = 0
  constructor(private readonly text: string) {}

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
    this.space()
    const c = this.text[this.at]
    switch (c) {
      case "{":
        return this.object()
      case "[":
        return this.array()
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

  private array(): Array<Json> {
    this.at++
    const items: Array<Json> = []
    this.space()
    if (this.text[this.at] === "]") {
      this.at++
      return items
    }
    for (;;) {
      items.push(this.value())
      this.space()
      const c = this.text[this.at++]
      if (c === "]") return items
      if (c !== ",") this.fail("expected , or ]")
    }
  }

  private object(): { [key: string]: Json } {
    this.at++
    const object: { [key: string]: Json } = {}
    this.space()
    if (this.text[this.at] === "}") {
      this.at++
      return object
    }
    for (;;) {
      this.space()
      if (this.text[this.at] !== "\"") this.fail("expected a member name")
      const key = this.string()
      this.space()
      if (this.text[this.at++] !== ":") this.fail("expected :")
      const value = this.value()
      // Like JSON.parse: "__proto__" is an own property, never the object's prototype.
      if (key === "__proto__") {
        Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
      } else object[key] = value
      this.space()
      const c = this.text[this.at++]
      if (c === "}") return object
      if (c !== ",") this.fail("expected , or }")
    }
  }
}

/**
 * Reads JSON text exactly: integers beyond ±(2^53 - 1) become `bigint`.
 *
 * @example
 * ```ts
 * Json.parse('{"nb_cfg":9223372036854775807}') // Result.succeed({ nb_cfg: 9223372036854775807n })
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const parse = (text: string): Result.Result<Json, string> => new ExactReader(text).read()

/** Marks a bigint inside the text JSON.stringify writes, to be replaced by its digits. */
const BIGINT_MARK = `\u0000bigint:${Math.random().toString(36).slice(2)}:`
const BIGINT_MARKED = new RegExp(`"${BIGINT_MARK.replace("\u0000", "\\\\u0000")}(-?\\d+)"`, "g")

/**
 * Writes a value as compact JSON text; bigints are written as bare integer literals.
 *
 * @since 0.1.0
 * @category encoding
 */
export const stringify = (value: Json): string => {
  try {
    return JSON.stringify(value) // the common case: no bigint, native speed
  } catch {
    // JSON.stringify refuses bigints: mark each one, then splice its digits in.
    return JSON.stringify(value, (_key, item: unknown) => typeof item === "bigint" ? `${BIGINT_MARK}${item}` : item)
      .replace(BIGINT_MARKED, "$1")
  }
}

/**
 * A value as an error message shows it: its JSON text, bigints as their digits, `undefined` as
 * `undefined`. Never throws, whatever it is given.
 *
 * @since 0.1.0
 * @category formatting
 */
export const show = (value: unknown): string => {
  try {
    return stringify(value as Json) ?? String(value)
  } catch {
    return String(value)
  }
}
