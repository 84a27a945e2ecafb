/**
 * Whether a model of a database — the schema an application was written against — fits the schema
 * a server has. A newer server may have more: extra tables and columns are fine, and so are wider
 * or narrower constraints (new enum values, other ranges), which the server enforces anyway. What
 * breaks a model is a table or column it uses that the server lacks, or a column whose type has
 * another shape: another atomic type, a set where a scalar was, a map where a set was.
 *
 * @since 0.1.0
 */
import type { ColumnType, DatabaseSchema } from "./DatabaseSchema.js"

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

/**
 * Every difference that stops `model` from working against `server`; none when it fits.
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
      } else if (shape(other.type) !== shape(column.type)) {
        found.push({
          _tag: "OtherType",
          table: table.name,
          column: column.name,
          expected: shape(column.type),
          actual: shape(other.type)
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
