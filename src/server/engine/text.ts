/**
 * ovsdb-server's ways of writing things, for its replies and error texts: reals as C's `%.15g`
 * (`DBL_DIG` digits), JSON as `json_to_string` writes it (compact, object members sorted when asked,
 * only `"`, `\` and control characters escaped), and the English of types and lists.
 *
 * @since 0.1.0
 */
import { compareBytes } from "../../cli/OvsText.js"
import type { Json } from "../../Json.js"
import type { ColumnType } from "../../protocol/DatabaseSchema.js"

/** `DBL_DIG`: the significant digits ovsdb-server prints a real with. */
const DIGITS = 15

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/**
 * The `DIGITS` significant digits of |x| rounded half to even on its exact binary value, as C's
 * printf does, with the decimal exponent of the first one.
 */
const roundedDigits = (x: number): { readonly digits: string; readonly exponent: number } => {
  const exact = Math.abs(x).toExponential(100) // the exact value's first 101 digits, rounded at the last
  const e = exact.indexOf("e")
  const mantissa = exact[0]! + exact.slice(2, e)
  let exponent = Number(exact.slice(e + 1))
  const head = mantissa.slice(0, DIGITS)
  const rest = mantissa.slice(DIGITS)
  const first = rest.charCodeAt(0) - 48
  const odd = (head.charCodeAt(DIGITS - 1) - 48) % 2 === 1
  const up = first > 5 || (first === 5 && (/[1-9]/.test(rest.slice(1)) || odd))
  if (!up) return { digits: head, exponent }
  const bumped = (BigInt(head) + 1n).toString()
  if (bumped.length > DIGITS) exponent++
  return { digits: bumped.slice(0, DIGITS), exponent }
}

/**
 * A real as C's `printf("%.15g")` writes it, as ovsdb-server writes reals in replies and messages:
 * `0.3`, `1e+20`, `1.5e-07`, `-0`.
 */
export const formatReal = (x: number): string => {
  if (Number.isNaN(x)) return "nan"
  if (!Number.isFinite(x)) return x < 0 ? "-inf" : "inf"
  if (x === 0) return Object.is(x, -0) ? "-0" : "0"
  const sign = x < 0 ? "-" : ""
  const { digits, exponent } = roundedDigits(x)
  const trimmed = digits.replace(/0+$/, "")
  if (exponent < -4 || exponent >= DIGITS) {
    const mantissa = trimmed.length > 1 ? `${trimmed[0]}.${trimmed.slice(1)}` : trimmed
    const e = Math.abs(exponent)
    return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${e < 10 ? "0" : ""}${e}`
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${trimmed}`
  const whole = trimmed.padEnd(exponent + 1, "0")
  const fraction = trimmed.slice(exponent + 1)
  return `${sign}${whole.slice(0, exponent + 1)}${fraction === "" ? "" : `.${fraction}`}`
}

/**
 * The value a client reads back for a real ovsdb-server sends: the real rounded to 15 significant
 * digits (the server keeps the exact value and compares with it; only what it writes is rounded).
 */
export const printedReal = (x: number): number => {
  if (!Number.isFinite(x) || Number(x.toPrecision(DIGITS)) === x) return x
  return Number(formatReal(x))
}

/** `json_serialize_string`: only `"`, `\` and the control characters are escaped. */
export const jsonString = (text: string): string => {
  if (!/["\\\u0000-\u001f]/.test(text)) return `"${text}"`
  let out = "\""
  for (const char of text) {
    const code = char.charCodeAt(0)
    if (char === "\"") out += "\\\""
    else if (char === "\\") out += "\\\\"
    else if (code >= 0x20) out += char
    else if (char === "\b") out += "\\b"
    else if (char === "\f") out += "\\f"
    else if (char === "\n") out += "\\n"
    else if (char === "\r") out += "\\r"
    else if (char === "\t") out += "\\t"
    else out += `\\u${code.toString(16).padStart(4, "0")}`
  }
  return `${out}"`
}

/**
 * A number as ovsdb-server's JSON reader types it and its writer writes it: an integer within 64
 * bits as its digits, anything else (a fraction, an exponent, an integer beyond 64 bits) as a real.
 */
const numberText = (n: number | bigint): string =>
  typeof n === "bigint"
    ? n >= INT64_MIN && n <= INT64_MAX ? n.toString() : formatReal(Number(n))
    : Number.isSafeInteger(n)
    ? String(n)
    : formatReal(n)

/**
 * JSON as `json_to_string(json, JSSF_SORT)` writes it, for an error's `syntax` member: compact, object
 * members sorted by name.
 */
export const jsonText = (json: Json): string => {
  if (json === null) return "null"
  switch (typeof json) {
    case "boolean":
      return json ? "true" : "false"
    case "number":
    case "bigint":
      return numberText(json)
    case "string":
      return jsonString(json)
  }
  if (Array.isArray(json)) return `[${(json as ReadonlyArray<Json>).map(jsonText).join(",")}]`
  const object = json as { readonly [key: string]: Json }
  const names = Object.keys(object).sort(compareBytes)
  return `{${names.map((name) => `${jsonString(name)}:${jsonText(object[name]!)}`).join(",")}}`
}

/** `english_list_delimiter`: "", then ", " (or " and " between two), and ", and " before the last. */
export const englishDelimiter = (index: number, count: number): string =>
  index === 0 ? "" : count === 2 ? " and " : index === count - 1 ? ", and " : ", "

/** `ovsdb_column_set_to_string`: `column "a"`, `columns "a" and "b"`, `columns "a", "b", and "c"`. */
export const columnSetText = (columns: ReadonlyArray<string>): string =>
  columns.length === 0
    ? "no columns"
    : `column${columns.length > 1 ? "s" : ""} ${
      columns.map((column, i) => `${englishDelimiter(i, columns.length)}"${column}"`).join("")
    }`

/** `UINT_MAX`: the `max` of an "unlimited" set or map. */
export const UNLIMITED = 4294967295

/** A type's `max` as ovsdb-server holds it. */
export const maxSize = (type: { readonly max: number | "unlimited" }): number =>
  type.max === "unlimited" ? UNLIMITED : type.max

/** `ovsdb_type_to_english`: `integer`, `set of up to 2 strings`, `map of 1 or more (string, uuid) pairs`. */
export const typeToEnglish = (type: ColumnType): string => {
  const max = maxSize(type)
  if (type.value === undefined && type.min === 1 && max === 1) return type.key.type
  const size = max === UNLIMITED
    ? type.min > 0 ? ` of ${type.min} or more` : " of"
    : type.min > 0
    ? ` of ${type.min} to ${max}`
    : ` of up to ${max}`
  return type.value === undefined
    ? `set${size} ${type.key.type}s`
    : `map${size} (${type.key.type}, ${type.value.type}) pairs`
}
