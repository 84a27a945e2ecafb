/**
 * Column codecs: a column's type (RFC 7047 §3.2 <column-type>) turned into a checker and encoder of
 * TypeScript values, built once per column from a `DatabaseSchema` and shared by everything that
 * writes rows.
 *
 * A codec catches, before anything is sent, what the server would refuse: a value of the wrong
 * type, an integer or real out of its range, a string of the wrong length, a value outside an
 * enum, a set with too few or too many elements or with duplicates, a map key or value that breaks
 * its base type. Each refusal is a `ValueError` naming the table, the column, the constraint and
 * the value.
 *
 * | column type | TypeScript value |
 * |---|---|
 * | scalar (`min` 1, `max` 1) | the atom |
 * | optional (`min` 0, `max` 1) | the atom, or `undefined` / `[]` for none |
 * | set | `ReadonlyArray<Atom>` |
 * | map | `ReadonlyMap<Atom, Atom>` |
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { ValueError } from "../Errors.js"
import { type Json, show as showJson } from "../Json.js"
import type { BaseType, ColumnType, DatabaseSchema } from "./DatabaseSchema.js"
import * as Value from "./Value.js"

/**
 * One column's codec.
 *
 * @since 0.1.0
 * @category models
 */
export interface ColumnCodec {
  readonly table: string
  readonly column: string
  readonly type: ColumnType
  /** Checks a value against the column's type and writes its wire form (RFC 7047 §5.1). */
  readonly encode: (value: Value.Value | undefined) => Result.Result<Json, ValueError>
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** How many elements of a set a `ValueError` shows before it gives the count. */
const SHOWN_ELEMENTS = 8

/**
 * A value as a `ValueError` shows it: UUIDs and names as text, integers beyond 2^53 exactly, a
 * set by its first elements and its size, a map by its size, the rest as JSON. Never throws.
 *
 * @example
 * ```ts
 * import { ColumnCodec, Value } from "effect-ovsdb"
 *
 * ColumnCodec.show([Value.uuid("36c7aec5-e358-4f3d-8de0-78a6a2bb2433"), 9007199254740993n])
 * // '[36c7aec5-e358-4f3d-8de0-78a6a2bb2433,9007199254740993]'
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const show = (value: unknown): string => {
  if (Array.isArray(value)) {
    const shown = value.slice(0, SHOWN_ELEMENTS).map(showElement).join(",")
    return value.length > SHOWN_ELEMENTS ? `[${shown},… ${value.length} in all]` : `[${shown}]`
  }
  return showElement(value)
}

/** One element of a set, or any other value; an array inside goes to `Json.show`, which never recurses. */
const showElement = (value: unknown): string => {
  if (value instanceof Value.Uuid || value instanceof Value.NamedUuid) return String(value)
  if (value instanceof Map) return `map of ${value.size}`
  return showJson(value)
}

/**
 * The `atomKey`s of a base type's enum members, made once per column. A uuid enumeration holds the
 * UUIDs' text; keys compare as OVSDB does (1 and 1n are one integer, a UUID's case does not count).
 */
const enumKeys = (base: BaseType | undefined): ReadonlySet<string> | undefined =>
  base?.enum === undefined ? undefined : new Set(
    base.enum.map((allowed) =>
      Value.atomKey(base.type === "uuid" && typeof allowed === "string" ? Value.uuid(allowed) : allowed)
    )
  )

/**
 * Why `atom` breaks `base` (whose enum members' keys are `members`), as `[constraint, detail]`, or
 * `undefined` when it does not.
 */
const atomProblem = (
  base: BaseType,
  members: ReadonlySet<string> | undefined,
  atom: unknown
): readonly [string, string] | undefined => {
  switch (base.type) {
    case "integer": {
      if (!(typeof atom === "bigint" || (typeof atom === "number" && Number.isInteger(atom)))) {
        return ["type", "expected an integer"]
      }
      const n = BigInt(atom)
      if (n < INT64_MIN || n > INT64_MAX) return ["type", "outside the 64-bit range"]
      if (base.minInteger !== undefined && n < BigInt(base.minInteger)) {
        return ["minInteger", `less than the minimum ${base.minInteger}`]
      }
      if (base.maxInteger !== undefined && n > BigInt(base.maxInteger)) {
        return ["maxInteger", `greater than the maximum ${base.maxInteger}`]
      }
      break
    }
    case "real":
      if (typeof atom !== "number" || !Number.isFinite(atom)) return ["type", "expected a finite real"]
      if (base.minReal !== undefined && atom < base.minReal) return ["minReal", `less than the minimum ${base.minReal}`]
      if (base.maxReal !== undefined && atom > base.maxReal) {
        return ["maxReal", `greater than the maximum ${base.maxReal}`]
      }
      break
    case "boolean":
      if (typeof atom !== "boolean") return ["type", "expected a boolean"]
      break
    case "string": {
      if (typeof atom !== "string") return ["type", "expected a string"]
      if (base.minLength === undefined && base.maxLength === undefined) break
      // Lengths count characters (Unicode code points), as ovsdb-server does.
      const length = [...atom].length
      if (base.minLength !== undefined && length < base.minLength) {
        return ["minLength", `shorter than ${base.minLength} characters`]
      }
      if (base.maxLength !== undefined && length > base.maxLength) {
        return ["maxLength", `longer than ${base.maxLength} characters`]
      }
      break
    }
    case "uuid":
      if (!(atom instanceof Value.Uuid || atom instanceof Value.NamedUuid)) {
        return ["type", "expected a Uuid or NamedUuid"]
      }
      if (atom instanceof Value.Uuid && !Value.isUuidText(atom.value)) return ["type", "not a UUID"]
  }
  if (members !== undefined && !members.has(Value.atomKey(atom as Value.Atom))) {
    return ["enum", `not one of ${(base.enum ?? []).map(show).join(", ")}`]
  }
  return undefined
}

const hasDuplicates = (atoms: Iterable<Value.Atom>): boolean => {
  const seen = new Set<string>()
  for (const atom of atoms) {
    const key = Value.atomKey(atom)
    if (seen.has(key)) return true
    seen.add(key)
  }
  return false
}

/**
 * Builds the codec of one column.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (table: string, column: string, type: ColumnType): ColumnCodec => {
  const refuse = (constraint: string, value: unknown, detail: string) =>
    Result.fail(new ValueError({ table, column, constraint, value: show(value), detail }))
  const max = type.max === "unlimited" ? Infinity : type.max
  const isScalar = type.value === undefined && type.min === 1 && type.max === 1
  const keyMembers = enumKeys(type.key)
  const valueMembers = enumKeys(type.value)

  const encode = (value: Value.Value | undefined): Result.Result<Json, ValueError> => {
    if (type.value !== undefined) {
      if (!(value instanceof Map)) return refuse("type", value, "expected a map")
      for (const [k, v] of value) {
        const keyProblem = atomProblem(type.key, keyMembers, k)
        if (keyProblem !== undefined) return refuse(`key ${keyProblem[0]}`, k, keyProblem[1])
        const valueProblem = atomProblem(type.value, valueMembers, v)
        if (valueProblem !== undefined) return refuse(`value ${valueProblem[0]}`, v, valueProblem[1])
      }
      if (hasDuplicates(value.keys())) return refuse("unique keys", value, "a key appears twice")
      return sizeProblem(value, value.size) ?? Result.succeed(Value.encode(value))
    }
    if (isScalar) {
      if (value === undefined || Array.isArray(value) || value instanceof Map) {
        return refuse("type", value, "expected exactly one value")
      }
      const problem = atomProblem(type.key, keyMembers, value)
      return problem === undefined ? Result.succeed(Value.encode(value)) : refuse(problem[0], value, problem[1])
    }
    // Optional columns and sets: one atom is a one-element set, undefined an empty one.
    if (value instanceof Map) return refuse("type", value, "expected a set")
    const atoms: ReadonlyArray<Value.Atom> = value === undefined
      ? []
      : Array.isArray(value)
      ? value
      : [value as Value.Atom]
    for (const atom of atoms) {
      const problem = atomProblem(type.key, keyMembers, atom)
      if (problem !== undefined) return refuse(problem[0], atom, problem[1])
    }
    if (hasDuplicates(atoms)) return refuse("unique elements", atoms, "an element appears twice")
    return sizeProblem(atoms, atoms.length) ?? Result.succeed(Value.encode(atoms))
  }

  const sizeProblem = (value: unknown, size: number) =>
    size < type.min
      ? refuse("min", value, `at least ${type.min} element(s) needed, got ${size}`)
      : size > max
      ? refuse("max", value, `at most ${type.max} element(s) allowed, got ${size}`)
      : undefined

  return { table, column, type, encode }
}

/**
 * The codecs of every column of a database, built once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const forDatabase = (
  schema: DatabaseSchema
): { readonly [table: string]: { readonly [column: string]: ColumnCodec } } =>
  Object.fromEntries(
    Object.values(schema.tables).map((table) => [
      table.name,
      Object.fromEntries(
        Object.values(table.columns).map((column) => [column.name, make(table.name, column.name, column.type)])
      )
    ])
  )
