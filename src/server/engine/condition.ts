/**
 * Where clauses (RFC 7047 §5.1 `<condition>`): `[column, function, value]`, or `true`/`false` (an
 * Open vSwitch extension for monitor_cond), compiled into a test of rows, with ovsdb-server's errors.
 *
 * How ovsdb-server types a clause's value: `<`, `<=`, `>`, `>=` take an integer or real column of one
 * value or none, and exactly one value; `includes` lets a set's value have fewer elements than the
 * column's minimum, `excludes` any number. A column of one value compares that value; any other
 * column compares whole sets and maps (`includes`: the value is a subset of the column's).
 *
 * @since 0.1.0
 */
import type { Json } from "../../Json.js"
import type * as Value from "../../protocol/Value.js"
import type { SymbolTable } from "./atom.js"
import {
  type Column,
  type Elements,
  equalValues,
  excludesAll,
  includesAll,
  parseElements,
  toElements,
  toValue,
  withSize
} from "./datum.js"
import { OvsdbError, syntaxError } from "./errors.js"
import type { TableInfo } from "./table.js"
import { UNLIMITED } from "./text.js"

/** A compiled where clause: whether a row matches it. */
export type Predicate = (row: Value.Row) => boolean

const FUNCTIONS = ["<", "<=", "==", "!=", ">=", ">", "includes", "excludes"] as const
type Function = (typeof FUNCTIONS)[number]

const isFunction = (name: string): name is Function => (FUNCTIONS as ReadonlyArray<string>).includes(name)

const ORDERING: ReadonlySet<string> = new Set(["<", "<=", ">", ">="])

/** Tests the first element of a column of one value or none against `arg`'s one element. */
const ordering = (column: Column, fn: Function, arg: Value.Atom): Predicate => {
  const name = column.name
  const compare = column.type.key.compare
  const test = fn === "<"
    ? (c: number) => c < 0
    : fn === "<="
    ? (c: number) => c <= 0
    : fn === ">"
    ? (c: number) => c > 0
    : (c: number) => c >= 0
  if (column.isScalar) return (row) => test(compare(row[name] as Value.Atom, arg))
  return (row) => {
    const atoms = row[name] as ReadonlyArray<Value.Atom>
    return atoms.length > 0 && test(compare(atoms[0]!, arg))
  }
}

/** `==`, `!=`, `includes`, `excludes` on whole datums. */
const comparison = (column: Column, fn: Function, arg: Elements): Predicate => {
  const name = column.name
  const type = column.type
  if (column.isScalar) {
    // A one-value column's value type is not relaxed: `arg` has exactly one element.
    const atom = arg.keys[0]!
    const compare = type.key.compare
    return fn === "==" || fn === "includes"
      ? (row) => compare(row[name] as Value.Atom, atom) === 0
      : (row) => compare(row[name] as Value.Atom, atom) !== 0
  }
  switch (fn) {
    case "==":
    case "!=": {
      const value = toValue(column.shape, arg)
      return fn === "=="
        ? (row) => equalValues(column, row[name]!, value)
        : (row) => !equalValues(column, row[name]!, value)
    }
    case "includes":
      return (row) => includesAll(type, arg, toElements(column.shape, row[name]!))
    default:
      return (row) => excludesAll(type, arg, toElements(column.shape, row[name]!))
  }
}

/** `ovsdb_clause_from_json`: one clause, or the error ovsdb-server gives for it. */
const compileClause = (table: TableInfo, json: Json, symbols: SymbolTable | undefined): Predicate => {
  if (json === true || json === false) return json ? () => true : () => false
  if (!(Array.isArray(json) && json.length === 3 && typeof json[0] === "string" && typeof json[1] === "string")) {
    throw syntaxError(json, "Parse error in condition.")
  }
  const [name, fn, valueJson] = json as unknown as readonly [string, string, Json]
  const column = table.columns.get(name)
  if (column === undefined) throw syntaxError(json, `No column ${name} in table ${table.name}.`, "unknown column")
  if (!isFunction(fn)) throw new OvsdbError("unknown function", `No function named ${fn}.`)
  let type = column.type
  if (ORDERING.has(fn)) {
    if (
      !(column.isScalar || column.isOptionalScalar) || (type.key.type !== "integer" && type.key.type !== "real")
    ) {
      throw syntaxError(
        json,
        `Type mismatch: "${fn}" operator may not be applied to column ${name} of type ${column.english}.`
      )
    }
    type = withSize(type, 1, 1)
  } else if (fn === "excludes" && !column.isScalar) {
    type = withSize(type, 0, UNLIMITED)
  } else if (fn === "includes" && !column.isScalar) {
    type = withSize(type, 0, type.max)
  }
  const arg = parseElements(type, valueJson, symbols)
  return ORDERING.has(fn) ? ordering(column, fn as Function, arg.keys[0]!) : comparison(column, fn as Function, arg)
}

/** `ovsdb_condition_from_json`: every clause of a where (an array), each compiled in turn. */
export const compileClauses = (
  table: TableInfo,
  where: ReadonlyArray<Json>,
  symbols: SymbolTable | undefined
): ReadonlyArray<Predicate> => where.map((clause) => compileClause(table, clause, symbols))

/** A row matches a where when it matches every clause (an empty where matches every row). */
export const every = (clauses: ReadonlyArray<Predicate>): Predicate => {
  if (clauses.length === 0) return () => true
  if (clauses.length === 1) return clauses[0]!
  return (row) => {
    for (const clause of clauses) if (!clause(row)) return false
    return true
  }
}

/** A row matches a monitor's condition when it matches any clause, or the condition is empty. */
export const any = (clauses: ReadonlyArray<Predicate>): Predicate => {
  if (clauses.length === 0) return () => true
  if (clauses.length === 1) return clauses[0]!
  return (row) => {
    for (const clause of clauses) if (clause(row)) return true
    return false
  }
}
