/**
 * A datum as text, as ovsdb-client writes a cell with `--data=string` (the default) or
 * `--data=bare`: lib/table.c `cell_to_text` reads the cell's JSON as a datum of the column's type
 * (`ovsdb_datum_from_json`, lib/ovsdb-data.c) and writes it with `ovsdb_datum_to_string` or
 * `ovsdb_datum_to_bare`. When the JSON is not a valid datum of the type — a monitor's diff of a
 * set can hold more elements than the set may — it writes the JSON instead; `datumText` then
 * answers `undefined`.
 *
 * - string: a set in `[…]` and a map in `{…}` when the type allows more than one element or the
 *   datum is empty, elements joined by `, `, pairs as `key=value`; a string in double quotes
 *   (JSON's escapes) unless it is a plain word (`string_needs_quotes`); a real with `%.15g`.
 * - bare: elements joined by a space, no brackets, strings as they are.
 *
 * Elements come sorted as OVSDB orders atoms (`ovsdb_atom_compare_3way`).
 *
 * @since 0.1.0
 */
import type { Json } from "../../Json.js"
import type { BaseType, ColumnType, EnumAtom } from "../../protocol/DatabaseSchema.js"
import { compareBytes } from "../OvsText.js"
import { jsonString } from "./JsonText.js"
import { formatReal } from "./Real.js"

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

/** `string_needs_quotes`' plain word: a letter or `_`, then letters, digits, `_`, `-`, `.` (ASCII, the C locale). */
const PLAIN_WORD = /^[A-Za-z_][A-Za-z0-9_.-]*$/

/**
 * Whether ovsdb-client writes a string in quotes (`string_needs_quotes`): anything but a plain
 * word, and the words `true` and `false`, and UUIDs, which would read back as other types.
 *
 * @since 0.1.0
 * @category formatting
 */
export const needsQuotes = (text: string): boolean =>
  !PLAIN_WORD.test(text) || text === "true" || text === "false" || UUID.test(text)

/** A UUID's text as `ds_put_uuid` writes it: lower case. */
const uuidText = (text: string): string => /[A-F]/.test(text) ? text.toLowerCase() : text

/** The UUID text of a `["uuid", text]` atom, or `undefined` when the JSON is not one (`named-uuid` included). */
const uuidOf = (json: Json): string | undefined =>
  Array.isArray(json) && json.length === 2 && json[0] === "uuid" && typeof json[1] === "string" && UUID.test(json[1])
    ? json[1]
    : undefined

/** Compares two hex digits' texts as the numbers they spell, case aside, without a copy. */
const compareHex = (a: string, b: string): number => {
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x >= 97) x -= 32
    if (y >= 97) y -= 32
    if (x !== y) return x - y
  }
  return 0
}

/** Code points in a string (`utf8_validate`'s count of characters). */
const codePoints = (text: string): number => {
  let n = text.length
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit >= 0xd800 && unit <= 0xdbff) n--
  }
  return n
}

const sameEnumAtom = (atom: Json, member: EnumAtom, type: BaseType["type"]): boolean => {
  if (type === "uuid") return typeof member === "string" && compareHex(uuidOf(atom) ?? "", member) === 0
  if (type === "integer" || type === "real") {
    return (typeof member === "number" || typeof member === "bigint") &&
      (typeof atom === "number" || typeof atom === "bigint") && atom == member
  }
  return atom === member
}

/** The atom meets the base type's constraints (`ovsdb_atom_check_constraints`). */
const meetsConstraints = (atom: Json, base: BaseType): boolean => {
  if (base.enum !== undefined) return base.enum.some((member) => sameEnumAtom(atom, member, base.type))
  switch (base.type) {
    case "integer":
    case "real": {
      const n = atom as number | bigint
      const min = base.type === "integer" ? base.minInteger : base.minReal
      const max = base.type === "integer" ? base.maxInteger : base.maxReal
      return (min === undefined || n >= min) && (max === undefined || n <= max)
    }
    case "string": {
      if (base.minLength === undefined && base.maxLength === undefined) return true
      const length = codePoints(atom as string)
      return (base.minLength === undefined || length >= base.minLength) &&
        (base.maxLength === undefined || length <= base.maxLength)
    }
    default:
      return true
  }
}

/**
 * Whether the JSON is an atom of the base type (`ovsdb_atom_from_json` without a symbol table): an
 * integer within 64 bits for `integer`, any number for `real`, `["uuid", text]` for `uuid`; and
 * whether it meets the constraints.
 */
const isAtom = (json: Json, base: BaseType): boolean => {
  switch (base.type) {
    case "integer":
      if (typeof json === "bigint") {
        if (json < INT64_MIN || json > INT64_MAX) return false
      } else if (!Number.isSafeInteger(json)) return false
      break
    case "real":
      if (typeof json !== "number" && typeof json !== "bigint") return false
      break
    case "boolean":
      if (typeof json !== "boolean") return false
      break
    case "string":
      if (typeof json !== "string") return false
      break
    case "uuid":
      if (uuidOf(json) === undefined) return false
  }
  return meetsConstraints(json, base)
}

/** `ovsdb_atom_compare_3way` for two atoms of one base type. */
const compareAtoms = (a: Json, b: Json, type: BaseType["type"]): number => {
  switch (type) {
    case "string":
      return compareBytes(a as string, b as string)
    case "uuid":
      return compareHex((a as ReadonlyArray<string>)[1]!, (b as ReadonlyArray<string>)[1]!)
    default:
      return a! < b! ? -1 : a! > b! ? 1 : 0
  }
}

/** An atom's text: `ovsdb_atom_to_string`, or `ovsdb_atom_to_bare` (strings unquoted). */
const atomText = (json: Json, type: BaseType["type"], bare: boolean): string => {
  switch (type) {
    case "string": {
      const text = json as string
      return bare || !needsQuotes(text) ? text : jsonString(text)
    }
    case "real":
      return formatReal(Number(json))
    case "uuid":
      return uuidText((json as ReadonlyArray<string>)[1]!)
    default:
      return String(json)
  }
}

/** The pair of a map's element, or `undefined` when it is not a two-element array (`parse_json_pair`). */
const pairOf = (json: Json): readonly [Json, Json] | undefined =>
  Array.isArray(json) && json.length === 2 ? json as unknown as readonly [Json, Json] : undefined

/**
 * The order of a set's or map's elements by key, or `undefined` when two keys are equal
 * (`ovsdb_datum_sort` fails then). A server sends them sorted: that is checked, not sorted again.
 */
const keyOrder = (
  count: number,
  keyAt: (i: number) => Json,
  type: BaseType["type"]
): ReadonlyArray<number> | "sorted" | undefined => {
  let sorted = true
  for (let i = 1; i < count && sorted; i++) sorted = compareAtoms(keyAt(i - 1), keyAt(i), type) < 0
  if (sorted) return "sorted"
  const order = Array.from({ length: count }, (_, i) => i).sort((i, j) => compareAtoms(keyAt(i), keyAt(j), type))
  for (let i = 1; i < count; i++) {
    if (compareAtoms(keyAt(order[i - 1]!), keyAt(order[i]!), type) === 0) return undefined
  }
  return order
}

/** The most elements a type allows. */
const maxOf = (type: ColumnType): number => type.max === "unlimited" ? Number.POSITIVE_INFINITY : type.max

/**
 * A datum's text, as ovsdb-client writes a cell with `--data=string` (`bare` false) or
 * `--data=bare`; `undefined` when the JSON is not a valid datum of the type, which ovsdb-client
 * writes as JSON.
 *
 * @example
 * ```ts
 * const strings: ColumnType = { key: { type: "string" }, min: 0, max: "unlimited" }
 * datumText(["set", ["a b", "c"]], strings, false) // '["a b", c]'
 * datumText(["set", ["a b", "c"]], strings, true) // "a b c"
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const datumText = (json: Json, type: ColumnType, bare: boolean): string | undefined => {
  const value = type.value
  const many = maxOf(type) > 1
  if (value === undefined && !(Array.isArray(json) && json.length > 0 && json[0] === "set")) {
    // One atom: no count to check (ovsdb_datum_from_json__).
    if (!isAtom(json, type.key)) return undefined
    const text = atomText(json, type.key.type, bare)
    return !bare && many ? `[${text}]` : text
  }
  const kind = value === undefined ? "set" : "map"
  if (!Array.isArray(json) || json.length !== 2 || json[0] !== kind || !Array.isArray(json[1])) return undefined
  const elements = json[1] as ReadonlyArray<Json>
  const count = elements.length
  if (count < type.min || count > maxOf(type)) return undefined
  for (const element of elements) {
    if (value === undefined) {
      if (!isAtom(element, type.key)) return undefined
    } else {
      const pair = pairOf(element)
      if (pair === undefined || !isAtom(pair[0], type.key) || !isAtom(pair[1], value)) return undefined
    }
  }
  const keyAt = value === undefined ? (i: number) => elements[i]! : (i: number) => pairOf(elements[i]!)![0]
  const order = keyOrder(count, keyAt, type.key.type)
  if (order === undefined) return undefined
  const open = !bare && (count === 0 || many) ? (kind === "set" ? "[" : "{") : ""
  const close = open === "" ? "" : kind === "set" ? "]" : "}"
  let text = open
  for (let i = 0; i < count; i++) {
    const element = elements[order === "sorted" ? i : order[i]!]!
    if (i > 0) text += bare ? " " : ", "
    if (value === undefined) {
      text += atomText(element, type.key.type, bare)
    } else {
      const pair = pairOf(element)!
      text += `${atomText(pair[0], type.key.type, bare)}=${atomText(pair[1], value.type, bare)}`
    }
  }
  return text + close
}

/** A datum's number of elements: a set's or map's, or 1 for a bare atom. */
const sizeOf = (json: Json): number =>
  Array.isArray(json) && json.length === 2 && (json[0] === "set" || json[0] === "map") && Array.isArray(json[1])
    ? (json[1] as ReadonlyArray<Json>).length
    : 1

/** The `i`th element of a datum of `sizeOf` elements: a set's element, a map's pair, or the bare atom. */
const elementOf = (json: Json, i: number): Json =>
  Array.isArray(json) && json.length === 2 && (json[0] === "set" || json[0] === "map") && Array.isArray(json[1])
    ? (json[1] as ReadonlyArray<Json>)[i]!
    : json

/**
 * `ovsdb_datum_compare_3way`: the datum of fewer elements first, then key by key, then value by
 * value, for two datums of `type` as a server sends them (sorted). No copy is made: a dump sorts
 * its rows with it.
 *
 * @since 0.1.0
 * @category ordering
 */
export const compareDatums = (a: Json, b: Json, type: ColumnType): number => {
  const n = sizeOf(a)
  const m = sizeOf(b)
  if (n !== m) return n < m ? -1 : 1
  const keyType = type.key.type
  if (type.value === undefined) {
    for (let i = 0; i < n; i++) {
      const c = compareAtoms(elementOf(a, i), elementOf(b, i), keyType)
      if (c !== 0) return c
    }
    return 0
  }
  for (let i = 0; i < n; i++) {
    const c = compareAtoms(
      (elementOf(a, i) as ReadonlyArray<Json>)[0]!,
      (elementOf(b, i) as ReadonlyArray<Json>)[0]!,
      keyType
    )
    if (c !== 0) return c
  }
  const valueType = type.value.type
  for (let i = 0; i < n; i++) {
    const c = compareAtoms(
      (elementOf(a, i) as ReadonlyArray<Json>)[1]!,
      (elementOf(b, i) as ReadonlyArray<Json>)[1]!,
      valueType
    )
    if (c !== 0) return c
  }
  return 0
}
