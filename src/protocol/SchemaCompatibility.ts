/**
 * Whether a model of a database — the schema an application was written against — fits the schema
 * a server has. A newer server may have more: extra tables and columns are fine, and so are wider
 * or narrower constraints (new enum values, other ranges, other set sizes), which the server
 * enforces anyway. What breaks a model is a table or column it uses that the server lacks, or a
 * column whose values the model would read or write wrongly: another atomic type, a set where a
 * scalar or an optional value was, a map where a set was, a reference to another table.
 *
 * @since 0.1.0
 */
import type { BaseType, ColumnType, DatabaseSchema } from "./DatabaseSchema.js"

/**
 * One way a model does not fit a server's schema.
 *
 * @since 0.1.0
 * @category models
 */
export type Difference =
  | { readonly _tag: "MissingTable"; readonly table: string }
  | { readonly _tag: "MissingColumn"; readonly table: string; readonly column: string }
  | {
    readonly _tag: "OtherType"
    readonly table: string
    readonly column: string
    readonly expected: string
    readonly actual: string
  }

/**
 * A column type's shape, as a short text: `integer`, `optional string`, `set of uuid (0..unlimited)`,
 * `map string→string (0..unlimited)`. Constraints are left out: they do not change the shape.
 *
 * @since 0.1.0
 * @category formatting
 */
export const shape = (type: ColumnType): string => {
  const bounds = `(${type.min}..${type.max})`
  if (type.value !== undefined) return `map ${type.key.type}→${type.value.type} ${bounds}`
  if (type.min === 1 && type.max === 1) return type.key.type
  if (type.min === 0 && type.max === 1) return `optional ${type.key.type}`
  return `set of ${type.key.type} ${bounds}`
}

/** RFC 7047 §3.2 `<type>` by what its values look like in TypeScript. */
const collection = (type: ColumnType): "map" | "scalar" | "optional" | "set" =>
  type.value !== undefined
    ? "map"
    : type.min === 1 && type.max === 1
    ? "scalar"
    : type.min === 0 && type.max === 1
    ? "optional"
    : "set"

const sameBase = (model: BaseType | undefined, server: BaseType | undefined): boolean =>
  model?.type === server?.type && (model?.refTable === undefined || model.refTable === server?.refTable)

/** Whether the model reads and writes the server's values of this column rightly; constraints aside. */
const fits = (model: ColumnType, server: ColumnType): boolean =>
  collection(model) === collection(server) && sameBase(model.key, server.key) && sameBase(model.value, server.value)

const refersTo = (base: BaseType | undefined) => base?.refTable === undefined ? "" : ` to ${base.refTable}`

/** A column type as a difference shows it: its shape, and the table a reference points to. */
const typeText = (type: ColumnType): string => `${shape(type)}${refersTo(type.key)}${refersTo(type.value)}`

/**
 * Every difference that stops `model` from working against `server`; none when it fits.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ovsdb, SchemaCompatibility } from "effect-ovsdb"
 * import { database } from "effect-ovsdb/models/OVN_Northbound"
 *
 * const differences = Effect.gen(function*() {
 *   const ovsdb = yield* Ovsdb.Ovsdb
 *   return SchemaCompatibility.differences(database.schema, yield* ovsdb.getSchema(database.name))
 *   // [{ _tag: "MissingColumn", table: "Logical_Switch", column: "copp" }]
 * })
 * ```
 *
 * @since 0.1.0
 * @category comparing
 */
export const differences = (model: DatabaseSchema, server: DatabaseSchema): ReadonlyArray<Difference> => {
  const found: Array<Difference> = []
  for (const table of Object.values(model.tables)) {
    const theirs = server.tables[table.name]
    if (theirs === undefined) {
      found.push({ _tag: "MissingTable", table: table.name })
      continue
    }
    for (const column of Object.values(table.columns)) {
      const other = theirs.columns[column.name]
      if (other === undefined) {
        found.push({ _tag: "MissingColumn", table: table.name, column: column.name })
      } else if (!fits(column.type, other.type)) {
        found.push({
          _tag: "OtherType",
          table: table.name,
          column: column.name,
          expected: typeText(column.type),
          actual: typeText(other.type)
        })
      }
    }
  }
  return found
}

/**
 * One difference as a line of text.
 *
 * @since 0.1.0
 * @category formatting
 */
export const describe = (difference: Difference): string => {
  switch (difference._tag) {
    case "MissingTable":
      return `table ${difference.table} is missing`
    case "MissingColumn":
      return `column ${difference.table}.${difference.column} is missing`
    case "OtherType":
      return `column ${difference.table}.${difference.column} is ${difference.actual}, not ${difference.expected}`
  }
}
