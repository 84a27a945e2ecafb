/**
 * Datums (RFC 7047 §5.1: a column's value, a set or a map of atoms) as ovsdb-server reads, orders,
 * compares and writes them.
 *
 * A row holds each column's datum in its canonical shape (see `Engine`): the bare atom for a column
 * of exactly one value, a sorted `ReadonlyArray<Atom>` for any other set, a `ReadonlyMap<Atom, Atom>`
 * in key order for a map. Operations on datums work on `Elements`, the sorted keys and (for a map)
 * values side by side, as ovsdb-server's `struct ovsdb_datum` has them.
 *
 * @since 0.1.0
 */
import type { Json } from "../../Json.js"
import type { AtomicType, ColumnSchema } from "../../protocol/DatabaseSchema.js"
import * as Value from "../../protocol/Value.js"
import { atomText, type Base, compileBase, encodeAtom, parseAtom, type SymbolTable, unconstrained } from "./atom.js"
import { ovsdbError, syntaxError } from "./errors.js"
import { maxSize, typeToEnglish } from "./text.js"

/** A datum's type: its key and value base types and how many elements it holds. */
export interface DatumType {
  readonly key: Base
  readonly value: Base | undefined
  readonly min: number
  /** `UNLIMITED` (4294967295) for "unlimited". */
  readonly max: number
}

/** A datum's sorted keys and, for a map, the values that go with them. */
export interface Elements {
  readonly keys: ReadonlyArray<Value.Atom>
  readonly values: ReadonlyArray<Value.Atom> | undefined
}

/** How a column's datum is held in a row. */
export type Shape = "atom" | "set" | "map"

/** A column compiled: its type, its shape in rows, its flags, and what it refers to. */
export interface Column {
  readonly name: string
  readonly schema: ColumnSchema
  readonly type: DatumType
  readonly shape: Shape
  readonly mutable: boolean
  /** `min` 1, `max` 1, no value: `ovsdb_type_is_scalar`. */
  readonly isScalar: boolean
  /** `min` 0, `max` 1, no value: `ovsdb_type_is_optional_scalar`. */
  readonly isOptionalScalar: boolean
  /** A set or an optional value (no value type, not a scalar): `ovsdb_type_is_set`. */
  readonly isSet: boolean
  readonly isMap: boolean
  /** Whether its key or value is a strong (resp. weak) reference. */
  readonly hasStrongRefs: boolean
  readonly hasWeakRefs: boolean
  /** The type as ovsdb-server's messages name it (`set of up to 2 strings`). */
  readonly english: string
  /** Its default datum, in its row shape. */
  readonly defaultValue: Value.Value
}

const EMPTY: ReadonlyArray<Value.Atom> = []

/** Compiles a column. */
export const compileColumn = (schema: ColumnSchema): Column => {
  const key = compileBase(schema.type.key)
  const value = schema.type.value === undefined ? undefined : compileBase(schema.type.value)
  const min = schema.type.min
  const max = maxSize(schema.type)
  const isMap = value !== undefined
  const isScalar = !isMap && min === 1 && max === 1
  const shape: Shape = isMap ? "map" : isScalar ? "atom" : "set"
  const refs = value === undefined ? [key] : [key, value]
  const type: DatumType = { key, value, min, max }
  return {
    name: schema.name,
    schema,
    type,
    shape,
    mutable: schema.mutable,
    isScalar,
    isOptionalScalar: !isMap && min === 0 && max === 1,
    isSet: !isMap && !isScalar,
    isMap,
    hasStrongRefs: refs.some((base) => base.refType === "strong"),
    hasWeakRefs: refs.some((base) => base.refType === "weak"),
    english: typeToEnglish(schema.type),
    defaultValue: toValue(shape, defaultElements(type))
  }
}

/** The same type with other bounds on the number of elements (a condition's or mutation's argument). */
export const withSize = (type: DatumType, min: number, max: number): DatumType => ({ ...type, min, max })

/** The type of a set of the keys of a map type (a map `delete` mutation's other argument). */
export const keysOf = (type: DatumType): DatumType => ({ ...type, value: undefined })

/** The same type, one element exactly, with no constraint on its key (an arithmetic mutation's argument). */
export const scalarUnconstrained = (type: DatumType): DatumType => ({
  key: unconstrained(type.key),
  value: undefined,
  min: 1,
  max: 1
})

/** `ovsdb_datum_init_default`: `min` default atoms (0 or 1). */
export const defaultElements = (type: DatumType): Elements =>
  type.min === 0
    ? { keys: EMPTY, values: type.value === undefined ? undefined : EMPTY }
    : {
      keys: [Value.defaultAtom(type.key.type)],
      values: type.value === undefined ? undefined : [Value.defaultAtom(type.value.type)]
    }

/** A datum's elements in its row shape. */
export const toValue = (shape: Shape, elements: Elements): Value.Value => {
  switch (shape) {
    case "atom":
      return elements.keys[0]!
    case "set":
      return elements.keys
    case "map": {
      const map = new Map<Value.Atom, Value.Atom>()
      for (let i = 0; i < elements.keys.length; i++) map.set(elements.keys[i]!, elements.values![i]!)
      return map
    }
  }
}

/** A row shape's elements. */
export const toElements = (shape: Shape, value: Value.Value): Elements => {
  switch (shape) {
    case "atom":
      return { keys: [value as Value.Atom], values: undefined }
    case "set":
      return { keys: value as ReadonlyArray<Value.Atom>, values: undefined }
    case "map": {
      const map = value as ReadonlyMap<Value.Atom, Value.Atom>
      return { keys: Array.from(map.keys()), values: Array.from(map.values()) }
    }
  }
}

/** The number of elements of a datum in its row shape. */
export const sizeOf = (shape: Shape, value: Value.Value): number =>
  shape === "atom" ? 1 : shape === "set" ? (value as ReadonlyArray<Value.Atom>).length : (value as ReadonlyMap<
    Value.Atom,
    Value.Atom
  >).size

/** Sorts keys (and values with them) by key; the first index of two equal keys, when there are any. */
const sortElements = (
  type: DatumType,
  keys: Array<Value.Atom>,
  values: Array<Value.Atom> | undefined
): { readonly elements: Elements; readonly duplicate: boolean } => {
  const compare = type.key.compare
  let sorted = true
  for (let i = 1; i < keys.length && sorted; i++) sorted = compare(keys[i - 1]!, keys[i]!) < 0
  if (sorted) return { elements: { keys, values }, duplicate: false }
  const order = keys.map((_, i) => i).sort((a, b) => compare(keys[a]!, keys[b]!))
  const sortedKeys = order.map((i) => keys[i]!)
  const duplicate = sortedKeys.some((key, i) => i > 0 && compare(sortedKeys[i - 1]!, key) === 0)
  return {
    elements: { keys: sortedKeys, values: values === undefined ? undefined : order.map((i) => values[i]!) },
    duplicate
  }
}

/**
 * `ovsdb_datum_from_json`: a set as `["set", [...]]` or one bare atom, a map as `["map", [[k, v], ...]]`;
 * the number of elements checked before the atoms, each atom checked against its base type, then sorted
 * (two equal keys are an error).
 */
export const parseElements = (type: DatumType, json: Json, symbols: SymbolTable | undefined): Elements => {
  const isMap = type.value !== undefined
  if (!isMap && !(Array.isArray(json) && json.length > 0 && json[0] === "set")) {
    return { keys: [parseAtom(type.key, json, symbols)], values: undefined }
  }
  const kind = isMap ? "map" : "set"
  if (!(Array.isArray(json) && json.length === 2 && json[0] === kind && Array.isArray(json[1]))) {
    throw syntaxError(json, `expected ["${kind}", <array>]`)
  }
  const inner = json[1] as ReadonlyArray<Json>
  const n = inner.length
  if (n < type.min || n > type.max) {
    throw syntaxError(
      json,
      type.min === 1 && type.max === 1
        ? `${kind} must have exactly one member but ${n} are present`
        : `${kind} must have ${type.min} to ${type.max} members but ${n} are present`
    )
  }
  const keys: Array<Value.Atom> = []
  const values: Array<Value.Atom> | undefined = isMap ? [] : undefined
  for (const element of inner) {
    if (values === undefined) {
      keys.push(parseAtom(type.key, element, symbols))
      continue
    }
    if (!(Array.isArray(element) && element.length === 2)) throw syntaxError(element, "expected 2-element array")
    const pair = element as ReadonlyArray<Json>
    keys.push(parseAtom(type.key, pair[0]!, symbols))
    values.push(parseAtom(type.value!, pair[1]!, symbols))
  }
  const { duplicate, elements } = sortElements(type, keys, values)
  if (duplicate) throw ovsdbError("ovsdb error", isMap ? "map contains duplicate key" : "set contains duplicate")
  return elements
}

/** Parses a column's datum into its row shape. */
export const parseValue = (column: Column, json: Json, symbols: SymbolTable | undefined): Value.Value =>
  toValue(column.shape, parseElements(column.type, json, symbols))

/** `ovsdb_datum_compare_3way`: by size, then keys, then values. */
export const compareElements = (type: DatumType, a: Elements, b: Elements): number => {
  if (a.keys.length !== b.keys.length) return a.keys.length < b.keys.length ? -1 : 1
  for (let i = 0; i < a.keys.length; i++) {
    const c = type.key.compare(a.keys[i]!, b.keys[i]!)
    if (c !== 0) return c
  }
  if (type.value === undefined) return 0
  for (let i = 0; i < a.keys.length; i++) {
    const c = type.value.compare(a.values![i]!, b.values![i]!)
    if (c !== 0) return c
  }
  return 0
}

/** `ovsdb_datum_compare_3way` of two datums in a column's row shape. */
export const compareValues = (column: Column, a: Value.Value, b: Value.Value): number =>
  column.shape === "atom"
    ? column.type.key.compare(a as Value.Atom, b as Value.Atom)
    : compareElements(column.type, toElements(column.shape, a), toElements(column.shape, b))

/** Whether two datums in a column's row shape are equal. */
export const equalValues = (column: Column, a: Value.Value, b: Value.Value): boolean =>
  a === b || compareValues(column, a, b) === 0

/** The index of a key in sorted keys, or -1. */
export const findKey = (type: DatumType, keys: ReadonlyArray<Value.Atom>, key: Value.Atom): number => {
  let low = 0
  let high = keys.length
  while (low < high) {
    const mid = (low + high) >>> 1
    const c = type.key.compare(key, keys[mid]!)
    if (c < 0) high = mid
    else if (c > 0) low = mid + 1
    else return mid
  }
  return -1
}

/** Whether element `i` of `a` is in `b` (matching the value too when `a` has values). */
const contains = (type: DatumType, b: Elements, a: Elements, i: number): boolean => {
  const at = findKey(type, b.keys, a.keys[i]!)
  return at >= 0 && (a.values === undefined || type.value!.compare(a.values[i]!, b.values![at]!) === 0)
}

/** `ovsdb_datum_includes_all(a, b)`: every element of `a` is in `b`. */
export const includesAll = (type: DatumType, a: Elements, b: Elements): boolean => {
  if (a.keys.length > b.keys.length) return false
  for (let i = 0; i < a.keys.length; i++) if (!contains(type, b, a, i)) return false
  return true
}

/** `ovsdb_datum_excludes_all(a, b)`: no element of `a` is in `b`. */
export const excludesAll = (type: DatumType, a: Elements, b: Elements): boolean => {
  for (let i = 0; i < a.keys.length; i++) if (contains(type, b, a, i)) return false
  return true
}

/** `ovsdb_datum_union`: `a` with the elements of `b` whose keys it lacks (a map's values are kept). */
export const union = (type: DatumType, a: Elements, b: Elements): Elements => {
  const keys: Array<Value.Atom> = []
  const values: Array<Value.Atom> | undefined = a.values === undefined ? undefined : []
  let i = 0
  let j = 0
  while (i < a.keys.length || j < b.keys.length) {
    const c = i >= a.keys.length ? 1 : j >= b.keys.length ? -1 : type.key.compare(a.keys[i]!, b.keys[j]!)
    if (c <= 0) {
      keys.push(a.keys[i]!)
      values?.push(a.values![i]!)
      i++
      if (c === 0) j++
    } else {
      keys.push(b.keys[j]!)
      values?.push(b.values![j]!)
      j++
    }
  }
  return { keys, values }
}

/**
 * `ovsdb_datum_subtract`: `a` without the elements of `b`; `b` without values (a set of a map's keys)
 * removes by key, with values only the pairs that match.
 */
export const subtract = (type: DatumType, a: Elements, b: Elements): Elements => {
  const keys: Array<Value.Atom> = []
  const values: Array<Value.Atom> | undefined = a.values === undefined ? undefined : []
  for (let i = 0; i < a.keys.length; i++) {
    const at = findKey(type, b.keys, a.keys[i]!)
    const removed = at >= 0 && (b.values === undefined || type.value!.compare(a.values![i]!, b.values[at]!) === 0)
    if (removed) continue
    keys.push(a.keys[i]!)
    values?.push(a.values![i]!)
  }
  return { keys, values }
}

/** `ovsdb_datum_to_string`: `5`, `[]`, `[a, b]`, `{a=1, b=2}` (brackets for sets and maps of more than one). */
export const elementsText = (type: DatumType, elements: Elements): string => {
  const isMap = type.value !== undefined
  const n = elements.keys.length
  const bracket = type.max > 1 || n === 0
  const items = elements.keys.map((key, i) =>
    isMap
      ? `${atomText(type.key.type, key)}=${atomText(type.value!.type, elements.values![i]!)}`
      : atomText(type.key.type, key)
  )
  const body = items.join(", ")
  return bracket ? (isMap ? `{${body}}` : `[${body}]`) : body
}

/** A column's datum as ovsdb-server writes it in messages. */
export const valueText = (column: Column, value: Value.Value): string =>
  elementsText(column.type, toElements(column.shape, value))

/**
 * `ovsdb_datum_to_json` of a value in any shape: a map as `["map", [[k, v], ...]]`, one element as
 * its bare atom, any other set as `["set", [...]]`. Atoms of the given atomic types are written as
 * ovsdb-server writes them (reals to 15 significant digits); without a type, as they are.
 */
export const encodeShaped = (value: Value.Value, keyType?: AtomicType, valueType?: AtomicType): Json => {
  const atom = (type: AtomicType | undefined, a: Value.Atom): Json =>
    type === undefined ? Value.encodeAtom(a) : encodeAtom(type, a)
  if (value instanceof Map) {
    return [
      "map",
      Array.from(value as ReadonlyMap<Value.Atom, Value.Atom>, ([k, v]) => [atom(keyType, k), atom(valueType, v)])
    ]
  }
  if (Array.isArray(value)) {
    const atoms = value as ReadonlyArray<Value.Atom>
    return atoms.length === 1 ? atom(keyType, atoms[0]!) : ["set", atoms.map((a) => atom(keyType, a))]
  }
  return atom(keyType, value as Value.Atom)
}

/** A column's datum on the wire, as ovsdb-server writes it. */
export const encodeValue = (column: Column, value: Value.Value): Json =>
  encodeShaped(value, column.type.key.type, column.type.value?.type)

/** A text two datums of a column share exactly when they are equal: for hashing rows by columns. */
export const valueKey = (column: Column, value: Value.Value): string => {
  if (column.shape === "atom") return Value.atomKey(value as Value.Atom)
  const { keys, values } = toElements(column.shape, value)
  return JSON.stringify(
    values === undefined ? keys.map(Value.atomKey) : [keys.map(Value.atomKey), values.map(Value.atomKey)]
  )
}
