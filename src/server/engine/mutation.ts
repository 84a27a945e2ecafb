/**
 * Mutations (RFC 7047 §5.1 `<mutation>`, §5.2.4): `[column, mutator, value]`, parsed and applied as
 * ovsdb-server's `ovsdb/mutation.c` does.
 *
 * - `+=`, `-=`, `*=`, `/=`, `%=` take an integer or real column (`%=` integers only) of one value or
 *   a set of them, and one value of the column's atomic type, with none of its constraints; they
 *   apply to every element, then check each result against the column's constraints and the set for
 *   duplicates. Integers overflow into "range error", a division by zero is "domain error", as are
 *   reals beyond ±DBL_MAX. `*=` keeps ovsdb-server's overflow test, which also refuses some products
 *   that fit (`1 *= 9223372036854775807`) and lets a product of two negatives wrap around.
 * - `insert` adds a set's elements or a map's pairs whose keys are not there yet; `delete` removes
 *   elements, a map's pairs (matching key and value) or, given a set, a map's keys. The result must
 *   have as many elements as the column allows.
 *
 * @since 0.1.0
 */
import type { Json } from "../../Json.js"
import type * as Value from "../../protocol/Value.js"
import { checkAtom, normalizeInteger, type SymbolTable } from "./atom.js"
import {
  type Column,
  type Elements,
  keysOf,
  parseElements,
  scalarUnconstrained,
  subtract,
  toElements,
  toValue,
  union,
  withSize
} from "./datum.js"
import { constraintViolation, OvsdbError, ovsdbError, syntaxError } from "./errors.js"
import type { TableInfo } from "./table.js"
import { UNLIMITED } from "./text.js"
import type { MutableRow } from "./transaction.js"

const ARITHMETIC = ["+=", "-=", "*=", "/=", "%="] as const
type Arithmetic = (typeof ARITHMETIC)[number]
type Mutator = Arithmetic | "insert" | "delete"

const isArithmetic = (name: string): name is Arithmetic => (ARITHMETIC as ReadonlyArray<string>).includes(name)

/** A parsed mutation. */
export interface Mutation {
  readonly column: Column
  readonly mutator: Mutator
  readonly arg: Elements
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

const rangeError = (mutator: Mutator) => ovsdbError("range error", `Result of "${mutator}" operation is out of range.`)

const domainError = () => ovsdbError("domain error", "Division by zero.")

/** C's `int64_t` division, truncating toward zero (BigInt's too). */
const divide = (x: bigint, y: bigint): bigint => x / y

/** `mul_int`'s overflow test, as ovsdb-server has it. */
const mulOverflows = (x: bigint, y: bigint): boolean =>
  x > 0n
    ? y > 0n ? x >= divide(INT64_MAX, y) : y < divide(INT64_MIN, x)
    : y > 0n
    ? x < divide(INT64_MIN, y)
    // ovsdb-server divides by y here (it dies of y = 0 with x < 0; the product is 0).
    : x !== 0n && y !== 0n && y < divide(INT64_MAX, y)

const integerResult = (mutator: Arithmetic, x: bigint, y: bigint): bigint => {
  switch (mutator) {
    case "+=":
    case "-=": {
      const r = mutator === "+=" ? x + y : x - y
      if (r < INT64_MIN || r > INT64_MAX) throw rangeError(mutator)
      return r
    }
    case "*=":
      if (mulOverflows(x, y)) throw rangeError(mutator)
      return BigInt.asIntN(64, x * y)
    case "/=":
    case "%=":
      if (y === 0n) throw domainError()
      if (x === INT64_MIN && y === -1n) throw rangeError(mutator)
      return mutator === "/=" ? x / y : x % y
  }
}

const realResult = (mutator: Arithmetic, x: number, y: number): number => {
  let r: number
  switch (mutator) {
    case "+=":
      r = x + y
      break
    case "-=":
      r = x - y
      break
    case "*=":
      r = x * y
      break
    default:
      if (y === 0) throw domainError()
      r = x / y
  }
  if (!(r >= -Number.MAX_VALUE && r <= Number.MAX_VALUE)) throw rangeError(mutator)
  return r
}

/** `ovsdb_mutation_from_json`: one mutation, or the error ovsdb-server gives for it. */
const parseMutation = (table: TableInfo, json: Json, symbols: SymbolTable | undefined): Mutation => {
  if (!(Array.isArray(json) && json.length === 3 && typeof json[0] === "string" && typeof json[1] === "string")) {
    throw syntaxError(json, "Parse error in mutation.")
  }
  const [name, mutator, argJson] = json as unknown as readonly [string, string, Json]
  const column = table.columns.get(name)
  if (column === undefined) throw syntaxError(json, `No column ${name} in table ${table.name}.`, "unknown column")
  if (!column.mutable) {
    throw syntaxError(json, `Cannot mutate immutable column ${name} in table ${table.name}.`, "constraint violation")
  }
  if (!isArithmetic(mutator) && mutator !== "insert" && mutator !== "delete") {
    throw new OvsdbError("unknown mutator", `No mutator named ${mutator}.`)
  }
  const mismatch = () =>
    syntaxError(
      json,
      `Type mismatch: "${mutator}" operator may not be applied to column ${name} of type ${column.english}.`
    )
  const type = column.type
  if (isArithmetic(mutator)) {
    const numeric = type.key.type === "integer" || (type.key.type === "real" && mutator !== "%=")
    if (!(column.isScalar || column.isSet) || !numeric) throw mismatch()
    return { column, mutator, arg: parseElements(scalarUnconstrained(type), argJson, symbols) }
  }
  if (!(column.isSet || column.isMap)) throw mismatch()
  const relaxed = withSize(type, 0, mutator === "delete" ? UNLIMITED : type.max)
  try {
    return { column, mutator, arg: parseElements(relaxed, argJson, symbols) }
  } catch (error) {
    // A map's `delete` also takes a set of keys.
    if (!(error instanceof OvsdbError) || !column.isMap || mutator !== "delete") throw error
    return { column, mutator, arg: parseElements(keysOf(relaxed), argJson, symbols) }
  }
}

/** `ovsdb_mutation_set_from_json`: the mutations of a `mutate` operation, each parsed in turn. */
export const parseMutations = (
  table: TableInfo,
  json: ReadonlyArray<Json>,
  symbols: SymbolTable | undefined
): ReadonlyArray<Mutation> => json.map((mutation) => parseMutation(table, mutation, symbols))

/** `mutate_scalar`: applies arithmetic to every element, checks the results, sorts them. */
const mutateScalar = (column: Column, mutator: Arithmetic, dst: Elements, arg: Value.Atom): Elements => {
  const base = column.type.key
  const results = base.type === "integer"
    ? dst.keys.map((x) =>
      normalizeInteger(integerResult(mutator, BigInt(x as number | bigint), BigInt(arg as number | bigint)))
    )
    : dst.keys.map((x) => realResult(mutator, x as number, arg as number))
  for (const result of results) {
    const problem = checkAtom(base, result)
    if (problem !== undefined) throw problem
  }
  const sorted = [...results].sort(base.compare)
  if (sorted.some((atom, i) => i > 0 && base.compare(sorted[i - 1]!, atom) === 0)) {
    throw constraintViolation(`Result of "${mutator}" operation contains duplicates.`)
  }
  return { keys: sorted, values: undefined }
}

/** `ovsdb_mutation_check_count`. */
const checkCount = (column: Column, result: Elements): Elements => {
  const n = result.keys.length
  if (n < column.type.min || n > column.type.max) {
    throw constraintViolation(`Attempted to store ${n} elements in ${column.english}.`)
  }
  return result
}

/** `ovsdb_mutation_set_execute`: applies the mutations to a row, in order; throws the first error. */
export const applyMutations = (row: MutableRow, mutations: ReadonlyArray<Mutation>): void => {
  for (const { arg, column, mutator } of mutations) {
    const dst = toElements(column.shape, row[column.name]!)
    const result = isArithmetic(mutator)
      ? mutateScalar(column, mutator, dst, arg.keys[0]!)
      : checkCount(column, mutator === "insert" ? union(column.type, dst, arg) : subtract(column.type, dst, arg))
    row[column.name] = toValue(column.shape, result)
  }
}
