/**
 * JSON text as Open vSwitch's `json_to_string` writes it (lib/json.c `json_serialize`): object
 * members sorted bytewise (`JSSF_SORT`, which ovsdb-client always asks for), compact, or with
 * `--pretty` (`JSSF_PRETTY`) each member and element on a line of its own, indented two spaces a
 * level, the closing bracket kept on the last line.
 *
 * Numbers: ovsdb-client writes an integer as its digits and a real with `%.15g`. What it reads from
 * a server it writes again as it read it, and its reader (`json_lex_number`) takes any number whose
 * value is a whole number within 64 bits for an integer, `1e+15` included: `numberText` does the
 * same with a parsed number. A datum ovsdb-client builds itself (a dump's cells) writes its reals
 * as reals whatever their value: `datumJson` marks them by the column's type.
 *
 * @since 0.1.0
 */
import type { Json } from "../../Json.js"
import type { BaseType, ColumnType } from "../../protocol/DatabaseSchema.js"
import { compareBytes } from "../OvsText.js"
import { formatReal } from "./Real.js"

/**
 * A value written as the text it holds: a real already formatted, or a cell's prepared text.
 *
 * @since 0.1.0
 * @category models
 */
export class Raw {
  constructor(readonly text: string) {}
}

/**
 * What the writer takes: JSON, with `Raw` text where it is known better than the value says.
 *
 * @since 0.1.0
 * @category models
 */
export type JsonLike = Json | Raw | ReadonlyArray<JsonLike> | { readonly [key: string]: JsonLike }

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/**
 * A number read from a server's text as ovsdb-client writes it again: a whole number within 64
 * bits as its digits (its reader makes it an integer), any other with `%.15g`. The server writes
 * reals with `%.15g`, so a number that is not a safe integer is written back as the server wrote
 * it, and `1.23456789012346e+17` becomes `123456789012346000`, as ovsdb-client prints it.
 *
 * @example
 * ```ts
 * numberText(1e15) // "1000000000000000"
 * numberText(1e20) // "1e+20" (beyond 64 bits: a real)
 * numberText(0.5) // "0.5"
 * numberText(123456789012345678901n) // "1.23456789012346e+20" (beyond 64 bits: a real)
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const numberText = (n: number | bigint): string => {
  if (typeof n === "bigint") return n >= INT64_MIN && n <= INT64_MAX ? String(n) : formatReal(Number(n))
  if (Number.isSafeInteger(n)) return String(n)
  const text = formatReal(n)
  const e = text.indexOf("e+")
  if (e < 0) return text
  const mantissa = text.slice(0, e)
  const dot = mantissa.indexOf(".")
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1)
  const shift = Number(text.slice(e + 2)) - (dot < 0 ? 0 : mantissa.length - dot - 1)
  if (shift < 0) return text
  const value = BigInt(digits) * 10n ** BigInt(shift)
  return value >= INT64_MIN && value <= INT64_MAX ? value.toString() : text
}

/**
 * `json_serialize_string`: `"`, `\` and the control characters escaped, `\b \f \n \r \t` by
 * name, the rest as `\u00xx`; every other character as it is. Strings from a server are valid
 * Unicode, for which this is what `JSON.stringify` writes.
 *
 * @since 0.1.0
 * @category formatting
 */
export const jsonString = (text: string): string => JSON.stringify(text)

/**
 * Marks a string that stands for text to write as it is: NUL, which no OVSDB string holds
 * (`json_lex_4hex`: "null bytes not supported"), so no real string is taken for one.
 */
const MARK = "\u0000#"
const MARKED = /"\\u0000#([^"]*)"/g

/** A member name `JSON.stringify` writes before the others, whatever the order: an array index. */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,9})$/

const SPACES = "                                                                "

/** A new line and the indentation of `depth` levels (`indent_line`). */
const newLine = (depth: number): string => {
  const width = 2 * depth
  return width <= SPACES.length ? `\n${SPACES.slice(0, width)}` : `\n${" ".repeat(width)}`
}

/**
 * Writes JSON as `json_to_ds` does. One writer serves a whole output: rows of one table share their
 * member names in one order, sorted once.
 *
 * @since 0.1.0
 * @category formatting
 */
export class JsonWriter {
  private lastKeys: ReadonlyArray<string> = []
  private lastSorted: ReadonlyArray<string> = []

  constructor(readonly pretty: boolean) {}

  /** The line break and indentation that `--pretty` puts before a member at `depth`; none otherwise. */
  indent(depth: number): string {
    return this.pretty ? newLine(depth) : ""
  }

  /** The separator between a member's name and its value. */
  get colon(): string {
    return this.pretty ? ": " : ":"
  }

  /** `value` as text, at nesting `depth` (the outermost value is at 0). */
  text(value: JsonLike, depth = 0): string {
    if (!this.pretty) {
      const fast = this.compact(value)
      if (fast !== undefined) return fast
    }
    const out: Array<string> = []
    this.write(out, value, depth)
    return out.join("")
  }

  /**
   * Compact text by the native `JSON.stringify`, which writes strings, safe integers, booleans and
   * arrays as `json_serialize` does: the value is first copied where it must change — objects with
   * their members sorted, and each number the native writer would write otherwise (a real, a
   * bigint) or `Raw` text replaced by a marked string, put back as it is after. `undefined` when an
   * object has a member named like an array index, which `JSON.stringify` would write first.
   */
  private compact(value: JsonLike): string | undefined {
    const state = { marked: false, unsafe: false }
    const prepared = this.prepare(value, state)
    if (state.unsafe) return undefined
    const text = JSON.stringify(prepared)
    return state.marked ? text.replace(MARKED, (_, inner: string) => inner) : text
  }

  /** `value` ready for `JSON.stringify` (see `compact`); the value itself where nothing changes. */
  private prepare(value: JsonLike, state: { marked: boolean; unsafe: boolean }): unknown {
    switch (typeof value) {
      case "number":
        if (Number.isSafeInteger(value)) return value
        state.marked = true
        return MARK + numberText(value)
      case "bigint":
        state.marked = true
        return MARK + numberText(value)
      case "object":
        break
      default:
        return value
    }
    if (value === null) return null
    if (value instanceof Raw) {
      state.marked = true
      return MARK + value.text
    }
    if (Array.isArray(value)) {
      const array = value as ReadonlyArray<JsonLike>
      let copy: Array<unknown> | undefined
      for (let i = 0; i < array.length; i++) {
        const item = array[i]!
        const prepared = this.prepare(item, state)
        if (prepared !== item && copy === undefined) copy = array.slice(0, i)
        if (copy !== undefined) copy.push(prepared)
      }
      return copy ?? array
    }
    const object = value as { readonly [key: string]: JsonLike }
    const names = this.sortedNames(Object.keys(object))
    const copy: { [key: string]: unknown } = {}
    for (const name of names) {
      if (ARRAY_INDEX.test(name) || name === "__proto__") state.unsafe = true
      copy[name] = this.prepare(object[name]!, state)
    }
    return copy
  }

  /** Appends `value`'s text to `out`, at nesting `depth`. */
  write(out: Array<string>, value: JsonLike, depth: number): void {
    switch (typeof value) {
      case "string":
        out.push(jsonString(value))
        return
      case "number":
      case "bigint":
        out.push(numberText(value))
        return
      case "boolean":
        out.push(value ? "true" : "false")
        return
    }
    if (value === null) {
      out.push("null")
    } else if (value instanceof Raw) {
      out.push(value.text)
    } else if (Array.isArray(value)) {
      this.writeArray(out, value as ReadonlyArray<JsonLike>, depth)
    } else {
      this.writeObject(out, value as { readonly [key: string]: JsonLike }, depth)
    }
  }

  private writeArray(out: Array<string>, array: ReadonlyArray<JsonLike>, depth: number): void {
    out.push("[")
    if (array.length > 0) {
      const separator = `,${this.indent(depth + 1)}`
      out.push(this.indent(depth + 1))
      for (let i = 0; i < array.length; i++) {
        if (i > 0) out.push(separator)
        this.write(out, array[i]!, depth + 1)
      }
    }
    out.push("]")
  }

  private writeObject(out: Array<string>, object: { readonly [key: string]: JsonLike }, depth: number): void {
    // json_serialize_object: the indentation comes even when there is no member.
    out.push("{", this.indent(depth + 1))
    const names = this.sortedNames(Object.keys(object))
    for (let i = 0; i < names.length; i++) {
      if (i > 0) out.push(",", this.indent(depth + 1))
      out.push(jsonString(names[i]!), this.colon)
      this.write(out, object[names[i]!]!, depth + 1)
    }
    out.push("}")
  }

  /** Member names in bytewise order; the last list's order is reused when the names come the same way. */
  private sortedNames(keys: Array<string>): ReadonlyArray<string> {
    const last = this.lastKeys
    if (keys.length === last.length) {
      let same = true
      for (let i = 0; i < keys.length && same; i++) same = keys[i] === last[i]
      if (same) return this.lastSorted
    }
    this.lastKeys = keys
    this.lastSorted = [...keys].sort(compareBytes)
    return this.lastSorted
  }
}

const isReal = (base: BaseType | undefined): boolean => base?.type === "real"

/** A real atom as `Raw` text; any other atom as it is. */
const realAtom = (atom: Json): JsonLike =>
  typeof atom === "number" || typeof atom === "bigint" ? new Raw(formatReal(Number(atom))) : atom

/**
 * A datum's JSON (RFC 7047 §5.1) as ovsdb-client writes a datum it built (`ovsdb_datum_to_json`):
 * its reals marked, by the column's type, to be written with `%.15g` whatever their value; a datum
 * of a type without reals as it is.
 *
 * @since 0.1.0
 * @category formatting
 */
export const datumJson = (json: Json, type: ColumnType): JsonLike => {
  const keys = isReal(type.key)
  const values = isReal(type.value)
  if (!keys && !values) return json
  if (Array.isArray(json) && json.length === 2 && Array.isArray(json[1])) {
    const elements = json[1] as ReadonlyArray<Json>
    if (json[0] === "set" && keys) return ["set", elements.map(realAtom)]
    if (json[0] === "map") {
      return [
        "map",
        elements.map((pair) =>
          Array.isArray(pair) && pair.length === 2
            ? [keys ? realAtom(pair[0] as Json) : pair[0] as Json, values ? realAtom(pair[1] as Json) : pair[1] as Json]
            : pair
        )
      ]
    }
    return json
  }
  return keys ? realAtom(json) : json
}
