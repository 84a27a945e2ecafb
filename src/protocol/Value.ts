/**
 * OVSDB values (RFC 7047 §5.1) in TypeScript, and their wire notation.
 *
 * | OVSDB | wire | TypeScript |
 * |---|---|---|
 * | integer | `5`, `9007199254740993` | `number`, or `bigint` beyond ±(2^53 - 1) |
 * | real | `1.5` | `number` |
 * | boolean, string | `true`, `"x"` | `boolean`, `string` |
 * | uuid | `["uuid","…"]` | `Uuid` |
 * | named-uuid | `["named-uuid","name"]` | `NamedUuid` |
 * | set | `["set",[…]]` or one bare atom | `ReadonlyArray<Atom>` |
 * | map | `["map",[[k,v],…]]` | `ReadonlyMap<Atom, Atom>` |
 *
 * `Uuid` and `NamedUuid` are small value classes (structurally equal with `Equal.equals`), so a
 * value says what it is on its own and encodes without a schema. The server sends a one-element set
 * as its bare atom; `normalize` uses the column's type to read every datum in one shape (optional
 * columns as `T | undefined`, sets always as arrays).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type { Json } from "../Json.js"
import type { AtomicType, ColumnType } from "./DatabaseSchema.js"

/**
 * A row's UUID (RFC 7047 §5.1 `<uuid>`).
 *
 * @example
 * ```ts
 * import { Value } from "effect-ovsdb"
 *
 * Value.uuid("36c7aec5-e358-4f3d-8de0-78a6a2bb2433")
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export class Uuid extends Data.Class<{ readonly value: string }> {
  /** The UUID text. */
  override toString(): string {
    return this.value
  }
}

/**
 * A reference to a row inserted earlier in the same transaction under `uuid-name`
 * (RFC 7047 §5.1 `<named-uuid>`).
 *
 * @since 0.1.0
 * @category models
 */
export class NamedUuid extends Data.Class<{ readonly name: string }> {
  /** The name. */
  override toString(): string {
    return this.name
  }
}

/**
 * An atomic value.
 *
 * @since 0.1.0
 * @category models
 */
export type Atom = string | number | bigint | boolean | Uuid | NamedUuid

/**
 * Any value a column can hold: an atom, a set of atoms or a map between atoms.
 *
 * @since 0.1.0
 * @category models
 */
export type Value = Atom | ReadonlyArray<Atom> | ReadonlyMap<Atom, Atom>

/**
 * A row: column name to value.
 *
 * @since 0.1.0
 * @category models
 */
export type Row = { readonly [column: string]: Value }

/**
 * Makes a `Uuid`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const uuid = (value: string): Uuid => new Uuid({ value })

/**
 * Makes a `NamedUuid`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const namedUuid = (name: string): NamedUuid => new NamedUuid({ name })

const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

/**
 * Whether a string is UUID text (8-4-4-4-12 hex digits).
 *
 * @since 0.1.0
 * @category guards
 */
export const isUuidText = (text: string): boolean => UUID_PATTERN.test(text)

/**
 * The all-zero UUID: the default of a UUID column (RFC 7047 §5.1), and as a transaction id, none
 * (`Monitor.ZERO_TXN_ID`).
 *
 * @since 0.1.0
 * @category constants
 */
export const ZERO_UUID = "00000000-0000-0000-0000-000000000000"

const DEFAULT_ATOMS: { readonly [T in AtomicType]: Atom } = {
  integer: 0,
  real: 0,
  boolean: false,
  string: "",
  uuid: uuid(ZERO_UUID)
}

/**
 * The default atom of an atomic type (ovsdb-data.c `ovsdb_atom_init_default`): 0, 0.0, false,
 * "", the zero UUID. A column that must hold one atom holds it when a row leaves it out.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultAtom = (type: AtomicType): Atom => DEFAULT_ATOMS[type]

/**
 * Whether `atom` is its type's default atom (`defaultAtom`).
 *
 * @since 0.1.0
 * @category guards
 */
export const isDefaultAtom = (type: AtomicType, atom: Atom): boolean => {
  switch (type) {
    case "integer":
    case "real":
      return Number(atom) === 0
    case "boolean":
      return atom === false
    case "string":
      return atom === ""
    case "uuid":
      return atom instanceof Uuid && atom.value === ZERO_UUID
  }
}

/**
 * A text that two atoms share exactly when OVSDB counts them as the same atom (RFC 7047 §5.1: a
 * set's elements and a map's keys are unique): UUIDs by their text in any case, names by their
 * text, integers by value whether `number` or `bigint`. For keying atoms in a `Map` or `Set` in
 * linear time.
 *
 * @example
 * ```ts
 * import { Value } from "effect-ovsdb"
 *
 * Value.atomKey(Value.uuid("36c7aec5-e358-4f3d-8de0-78a6a2bb2433")) === Value.atomKey(Value.uuid("36c7aec5-e358-4f3d-8de0-78a6a2bb2433")) // true
 * Value.atomKey(1) === Value.atomKey(1n) // true
 * Value.atomKey(1) === Value.atomKey("1") // false
 * ```
 *
 * @since 0.1.0
 * @category equality
 */
export const atomKey = (atom: Atom): string => {
  switch (typeof atom) {
    case "string":
      return `s${atom}`
    case "number":
    case "bigint":
      return `n${atom}`
    case "boolean":
      return atom ? "t" : "f"
  }
  return atom instanceof Uuid ? `u${atom.value.toLowerCase()}` : `@${atom.name}`
}

/**
 * The wire form of an atom.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeAtom = (atom: Atom): Json =>
  atom instanceof Uuid
    ? ["uuid", atom.value]
    : atom instanceof NamedUuid
    ? ["named-uuid", atom.name]
    : atom

/**
 * The wire form of a value (RFC 7047 §5.1): arrays become sets, maps become maps.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (value: Value): Json => {
  if (Array.isArray(value)) return ["set", value.map(encodeAtom)]
  if (value instanceof Map) return ["map", Array.from(value, ([k, v]) => [encodeAtom(k), encodeAtom(v)])]
  return encodeAtom(value as Atom)
}

/**
 * The wire form of a row.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeRow = (row: Row): { readonly [column: string]: Json } => {
  const out: { [column: string]: Json } = {}
  for (const column in row) out[column] = encode(row[column]!)
  return out
}

const isPair = (json: Json): json is readonly [Json, Json] => Array.isArray(json) && json.length === 2

/**
 * Reads the wire form of an atom, or `undefined` when it is not one.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeAtom = (json: Json): Atom | undefined => {
  switch (typeof json) {
    case "string":
    case "number":
    case "bigint":
    case "boolean":
      return json
  }
  if (isPair(json) && typeof json[1] === "string") {
    if (json[0] === "uuid") return uuid(json[1])
    if (json[0] === "named-uuid") return namedUuid(json[1])
  }
  return undefined
}

/**
 * Reads the wire form of a value, or `undefined` when it is not one. A bare atom stays an atom:
 * without the column's type, a one-element set cannot be told from a scalar (see `normalize`).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (json: Json): Value | undefined => {
  if (isPair(json) && json[0] === "set" && Array.isArray(json[1])) {
    const items: Array<Atom> = []
    for (const item of json[1] as ReadonlyArray<Json>) {
      const atom = decodeAtom(item)
      if (atom === undefined) return undefined
      items.push(atom)
    }
    return items
  }
  if (isPair(json) && json[0] === "map" && Array.isArray(json[1])) {
    const map = new Map<Atom, Atom>()
    for (const pair of json[1] as ReadonlyArray<Json>) {
      if (!isPair(pair)) return undefined
      const key = decodeAtom(pair[0])
      const value = decodeAtom(pair[1])
      if (key === undefined || value === undefined) return undefined
      map.set(key, value)
    }
    return map
  }
  return decodeAtom(json)
}

/**
 * Puts a decoded value in the one shape its column type implies: a map stays a map; a column with
 * `min` 0 and `max` 1 gives its atom or `undefined`; any other set column gives an array (a bare
 * atom becomes a one-element array); a scalar column gives its atom.
 *
 * @since 0.1.0
 * @category decoding
 */
export const normalize = (type: ColumnType, value: Value): Value | undefined => {
  if (type.value !== undefined) return value
  const isOptional = type.min === 0 && type.max === 1
  if (isOptional) return Array.isArray(value) ? (value as ReadonlyArray<Atom>)[0] : value
  if (type.max === 1) return value
  return Array.isArray(value) || value instanceof Map ? value : [value as Atom]
}
