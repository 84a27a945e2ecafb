/**
 * ovsdb-client's compact JSON text of a value (lib/json.c `json_serialize` with `JSSF_SORT`),
 * written straight from the bytes a server sent, without building the value: members of each
 * object sorted bytewise, strings and numbers as `JsonWriter` writes them. A large reply (a
 * `query` of 100,000 rows is some 60 MB) is then copied and reordered, where parsing it into
 * objects and writing them again cost several times more, most of it in the garbage collector.
 *
 * Each object is written as it comes, its members' places noted; when they are out of order the
 * object's text is put back in order by copying, so every byte is read once and moved once per
 * level of nesting. A string without a backslash is copied as it is (ovsdb-server writes strings as
 * `json_serialize_string` does, and the text of one without escapes is the same either way); one
 * with escapes, and a number ovsdb-client would write otherwise (a real, `-0`, an integer beyond
 * 18 digits), is read and written again as `JsonWriter` does.
 *
 * @since 0.1.0
 */
import * as Json from "../../Json.js"
import { compareBytes } from "../OvsText.js"
import { jsonString, numberText } from "./JsonText.js"

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const MINUS = 0x2d
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
/** Integers of at most this many digits are within 64 bits: ovsdb-client writes them as they are. */
const SAFE_DIGITS = 18

/** A member written to the output: where its text starts and ends, and its name's bytes. */
interface Member {
  readonly start: number
  readonly end: number
  readonly nameStart: number
  readonly nameEnd: number
}

/** Thrown inside the writer when the input is not JSON: `sortedJson` turns it into `undefined`. */
class NotJson {
  constructor(readonly at: number) {}
}

/** The index after the string starting at `i`, and whether it holds an escape. */
const stringEnd = (bytes: Uint8Array, i: number): { readonly end: number; readonly escaped: boolean } => {
  let at = i + 1
  let escaped = false
  for (;;) {
    const quote = bytes.indexOf(QUOTE, at)
    if (quote === -1) throw new NotJson(i)
    // Only the string's own bytes are looked at: a search for a backslash could run to the end.
    let k = at
    while (k < quote && bytes[k] !== BACKSLASH) k++
    if (k === quote) return { end: quote + 1, escaped }
    escaped = true
    at = k + 2
  }
}

/** Copies `from[start, end)` to `to` at `at` (short runs byte by byte: no call, no view); returns where it ended. */
const move = (from: Uint8Array, start: number, end: number, to: Uint8Array, at: number): number => {
  if (end - start < 64) {
    for (let k = start; k < end; k++) to[at++] = from[k]!
    return at
  }
  to.set(from.subarray(start, end), at)
  return at + end - start
}

/** Two members' names compared bytewise (`strcmp`), where both are written without escapes. */
const compareNames = (out: Uint8Array, a: Member, b: Member): number => {
  const n = Math.min(a.nameEnd - a.nameStart, b.nameEnd - b.nameStart)
  for (let k = 0; k < n; k++) {
    const d = out[a.nameStart + k]! - out[b.nameStart + k]!
    if (d !== 0) return d
  }
  return (a.nameEnd - a.nameStart) - (b.nameEnd - b.nameStart)
}

const LITERALS = ["true", "false", "null"].map((word) => Buffer.from(word))

/** The index after the literal (`true`, `false`, `null`) starting at `i`. */
const literalEnd = (bytes: Uint8Array, i: number): number => {
  for (const word of LITERALS) {
    let k = 0
    while (k < word.length && bytes[i + k] === word[k]) k++
    if (k === word.length) return i + k
  }
  throw new NotJson(i)
}

/** The index after the number starting at `i`. */
const numberEnd = (bytes: Uint8Array, i: number): number => {
  let end = i
  while (
    end < bytes.length && !isSpace(bytes[end]!) && bytes[end] !== COMMA && bytes[end] !== CLOSE_ARRAY &&
    bytes[end] !== CLOSE_OBJECT
  ) end++
  if (end === i) throw new NotJson(i)
  return end
}

const skipSpace = (bytes: Uint8Array, i: number): number => {
  while (i < bytes.length && isSpace(bytes[i]!)) i++
  return i
}

/** The index after the value starting at `i` (after any space), read only as far as its end. */
const skipValue = (bytes: Uint8Array, i: number): number => {
  i = skipSpace(bytes, i)
  const c = bytes[i]
  if (c === QUOTE) return stringEnd(bytes, i).end
  if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
    return c === MINUS || (c !== undefined && isDigit(c))
      ? numberEnd(bytes, i)
      : literalEnd(bytes, i)
  }
  let depth = 0
  for (;;) {
    const b = bytes[i]
    if (b === undefined) throw new NotJson(i)
    if (b === QUOTE) {
      i = stringEnd(bytes, i).end
      continue
    }
    if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++
    else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      if (--depth === 0) return i + 1
    }
    i++
  }
}

class Writer {
  out: Buffer
  at = 0

  constructor(private readonly bytes: Uint8Array, size: number) {
    this.out = Buffer.allocUnsafe(Math.max(size, 64))
  }

  private room(n: number): void {
    if (this.at + n <= this.out.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.at + n))
    this.out.copy(grown, 0, 0, this.at)
    this.out = grown
  }

  private byte(c: number): void {
    this.room(1)
    this.out[this.at++] = c
  }

  private copy(start: number, end: number): void {
    this.room(end - start)
    this.at = move(this.bytes, start, end, this.out, this.at)
  }

  private text(text: string): void {
    this.room(Buffer.byteLength(text))
    this.at += this.out.write(text, this.at)
  }

  private expect(i: number, c: number): number {
    if (this.bytes[i] !== c) throw new NotJson(i)
    return i + 1
  }

  /** Writes the value starting at `i` (after any space); returns the index after it. */
  value(i: number): number {
    i = skipSpace(this.bytes, i)
    const c = this.bytes[i]
    if (c === OPEN_OBJECT) return this.object(i)
    if (c === OPEN_ARRAY) return this.array(i)
    if (c === QUOTE) return this.string(i)
    if (c === MINUS || (c !== undefined && isDigit(c))) return this.number(i)
    return this.literal(i)
  }

  private literal(i: number): number {
    const end = literalEnd(this.bytes, i)
    this.copy(i, end)
    return end
  }

  private string(i: number): number {
    // Copied as it is scanned; a backslash sends it the slow way (read, then written again).
    const bytes = this.bytes
    const quote = bytes.indexOf(QUOTE, i + 1)
    if (quote !== -1) {
      this.room(quote + 1 - i)
      const out = this.out
      let at = this.at
      out[at++] = QUOTE
      let k = i + 1
      for (; k < quote; k++) {
        const b = bytes[k]!
        if (b === BACKSLASH) break
        out[at++] = b
      }
      if (k === quote) {
        out[at++] = QUOTE
        this.at = at
        return quote + 1
      }
    }
    const { end } = stringEnd(bytes, i)
    this.text(jsonString(this.decode(i, end)))
    return end
  }

  private decode(start: number, end: number): string {
    try {
      return JSON.parse(Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, end - start).toString("utf8"))
    } catch {
      throw new NotJson(start)
    }
  }

  private number(i: number): number {
    const bytes = this.bytes
    const end = numberEnd(bytes, i)
    const digits = i + (bytes[i] === MINUS ? 1 : 0)
    let plain = end > digits && end - digits <= SAFE_DIGITS
    for (let k = digits; k < end && plain; k++) plain = isDigit(bytes[k]!)
    // "-0" is an integer 0 to ovsdb-client's reader.
    if (plain && !(digits > i && end - digits === 1 && bytes[digits] === 0x30)) {
      this.copy(i, end)
      return end
    }
    const read = Json.parse(Buffer.from(bytes.buffer, bytes.byteOffset + i, end - i).toString("latin1"))
    if (read._tag === "Failure" || (typeof read.success !== "number" && typeof read.success !== "bigint")) {
      throw new NotJson(i)
    }
    this.text(numberText(read.success))
    return end
  }

  private array(i: number): number {
    this.byte(OPEN_ARRAY)
    i = skipSpace(this.bytes, i + 1)
    if (this.bytes[i] === CLOSE_ARRAY) {
      this.byte(CLOSE_ARRAY)
      return i + 1
    }
    for (;;) {
      i = skipSpace(this.bytes, this.value(i))
      if (this.bytes[i] === COMMA) {
        this.byte(COMMA)
        i++
      } else {
        i = this.expect(i, CLOSE_ARRAY)
        this.byte(CLOSE_ARRAY)
        return i
      }
    }
  }

  private object(i: number): number {
    const start = this.at
    this.byte(OPEN_OBJECT)
    i = skipSpace(this.bytes, i + 1)
    const members: Array<Member> = []
    let escapedName = false
    if (this.bytes[i] !== CLOSE_OBJECT) {
      for (;;) {
        const memberStart = this.at
        if (this.bytes[i] !== QUOTE) throw new NotJson(i)
        const name = stringEnd(this.bytes, i)
        escapedName ||= name.escaped
        this.string(i)
        const nameEnd = this.at
        i = this.expect(skipSpace(this.bytes, name.end), COLON)
        this.byte(COLON)
        i = skipSpace(this.bytes, this.value(i))
        members.push({ start: memberStart, end: this.at, nameStart: memberStart + 1, nameEnd: nameEnd - 1 })
        if (this.bytes[i] !== COMMA) break
        this.byte(COMMA)
        i = skipSpace(this.bytes, i + 1)
      }
    }
    i = this.expect(i, CLOSE_OBJECT)
    this.byte(CLOSE_OBJECT)
    if (members.length > 1) this.order(start, members, escapedName)
    return i
  }

  /**
   * Puts an object's members, written from `start`, in ovsdb-client's order, when they are not.
   * Rows of a table come with the same names in the same order: the last object's order is tried
   * first, which costs one comparison of names per member.
   */
  private order(start: number, members: Array<Member>, escapedName: boolean): void {
    const out = this.out
    let order = escapedName ? undefined : this.sameNames(members)
    if (order === undefined) {
      const compare = escapedName
        ? (a: Member, b: Member) => compareBytes(this.name(a), this.name(b))
        : (a: Member, b: Member) => compareNames(out, a, b)
      order = members.map((_, k) => k).sort((a, b) => compare(members[a]!, members[b]!))
      if (!escapedName) this.remember(members, order)
    }
    let sorted = true
    for (let k = 0; k < order.length && sorted; k++) sorted = order[k] === k
    if (sorted) return
    const length = this.at - start
    if (this.scratch.length < length) this.scratch = Buffer.allocUnsafe(Math.max(length, this.scratch.length * 2))
    const scratch = this.scratch
    move(out, start, this.at, scratch, 0)
    let at = start + 1
    for (let k = 0; k < order.length; k++) {
      if (k > 0) out[at++] = COMMA
      const member = members[order[k]!]!
      at = move(scratch, member.start - start, member.end - start, out, at)
    }
    out[at] = CLOSE_OBJECT
  }

  /** The last object's names (copied) and the order that sorts them. */
  private lastNames: Array<Uint8Array> = []
  private lastOrder: ReadonlyArray<number> = []
  private scratch = Buffer.allocUnsafe(0)

  /** The last object's order, when this one has the same names in the same places. */
  private sameNames(members: ReadonlyArray<Member>): ReadonlyArray<number> | undefined {
    const names = this.lastNames
    if (names.length !== members.length) return undefined
    const out = this.out
    for (let k = 0; k < members.length; k++) {
      const { nameEnd, nameStart } = members[k]!
      const name = names[k]!
      if (name.length !== nameEnd - nameStart) return undefined
      for (let b = 0; b < name.length; b++) if (name[b] !== out[nameStart + b]) return undefined
    }
    return this.lastOrder
  }

  private remember(members: ReadonlyArray<Member>, order: ReadonlyArray<number>): void {
    this.lastNames = members.map(({ nameEnd, nameStart }) =>
      Uint8Array.prototype.slice.call(this.out, nameStart, nameEnd)
    )
    this.lastOrder = order
  }

  /** A member's name, read back from the output (where it is written as ovsdb-client writes it). */
  private name(member: Member): string {
    return JSON.parse(this.out.toString("utf8", member.nameStart - 1, member.nameEnd + 1)) as string
  }
}

/**
 * ovsdb-client's compact text of the JSON value in `bytes`, as `JsonWriter.text` writes the parsed
 * value, or `undefined` when the bytes are not one JSON value.
 *
 * @example
 * ```ts
 * sortedJson(Buffer.from('{"b":1,"a":[1.50,"x"]}'))?.toString() // '{"a":[1.5,"x"],"b":1}'
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const sortedJson = (bytes: Uint8Array): Buffer | undefined =>
  catchNotJson(() => {
    const writer = new Writer(bytes, bytes.length + 64)
    const after = skipSpace(bytes, writer.value(0))
    return after === bytes.length ? writer.out.subarray(0, writer.at) : undefined
  })

/**
 * ovsdb-client's compact text of the JSON value that starts at `bytes[start]` (what follows it is
 * not looked at), or `undefined` when no JSON value starts there.
 *
 * @since 0.1.0
 * @category formatting
 */
export const sortedValue = (bytes: Uint8Array, start: number, size = 64): Buffer | undefined =>
  catchNotJson(() => {
    const writer = new Writer(bytes, size)
    writer.value(start)
    return writer.out.subarray(0, writer.at)
  })

/**
 * The places (`[start, end)`) of the elements of the JSON array that starts at `bytes[start]`, read
 * only as far as each one's end; `undefined` when there is no array there.
 *
 * @since 0.1.0
 * @category formatting
 */
export const elements = (bytes: Uint8Array, start = 0): ReadonlyArray<readonly [number, number]> | undefined =>
  catchNotJson(() => {
    let i = skipSpace(bytes, start)
    if (bytes[i] !== OPEN_ARRAY) return undefined
    const places: Array<readonly [number, number]> = []
    i = skipSpace(bytes, i + 1)
    if (bytes[i] === CLOSE_ARRAY) return places
    for (;;) {
      const end = skipValue(bytes, i)
      places.push([i, end])
      i = skipSpace(bytes, end)
      if (bytes[i] === CLOSE_ARRAY) return places
      if (bytes[i] !== COMMA) return undefined
      i = skipSpace(bytes, i + 1)
    }
  })

/**
 * Where the value of the member `name` of the JSON object that starts at `bytes[start]` starts (a
 * reply's `result`, say), read only as far as that; `undefined` when there is no such object or
 * member.
 *
 * @since 0.1.0
 * @category formatting
 */
export const member = (bytes: Uint8Array, name: string, start = 0): number | undefined =>
  catchNotJson(() => {
    const wanted = jsonString(name)
    let i = skipSpace(bytes, start)
    if (bytes[i] !== OPEN_OBJECT) return undefined
    i = skipSpace(bytes, i + 1)
    while (bytes[i] === QUOTE) {
      const key = stringEnd(bytes, i)
      const keyText = Buffer.from(bytes.buffer, bytes.byteOffset + i, key.end - i).toString("utf8")
      i = skipSpace(bytes, key.end)
      if (bytes[i] !== COLON) return undefined
      const from = skipSpace(bytes, i + 1)
      if (keyText === wanted || (key.escaped && JSON.parse(keyText) === name)) return from
      i = skipSpace(bytes, skipValue(bytes, from))
      if (bytes[i] !== COMMA) return undefined
      i = skipSpace(bytes, i + 1)
    }
    return undefined
  })

const catchNotJson = <A>(read: () => A): A | undefined => {
  try {
    return read()
  } catch (error) {
    if (error instanceof NotJson) return undefined
    throw error
  }
}
