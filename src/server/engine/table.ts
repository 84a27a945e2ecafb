/**
 * Tables compiled from a schema: their columns, the order ovsdb-server walks them in, and their
 * unique indexes.
 *
 * ovsdb-server keeps a table's columns in a string hash map: `_uuid` and `_version` first, then the
 * columns as it walks the schema's `columns` object, itself a hash map filled in the order of the
 * JSON text it read. That text is not the `.ovsschema` file but the copy `ovsdb-tool create` wrote
 * into the database file, in the order of the tool's own hash map. So the order depends on the order
 * of the file's members; `columnOrder` follows that chain from the file's order when it is known
 * (`Engine.make`'s `schemaSource`), from the names' order otherwise. The order decides which of
 * several faulty columns an error names and how `select` orders rows by default (by every column,
 * in this order).
 *
 * @since 0.1.0
 */
import { columnOrder as shashColumnOrder } from "../../cli/OvsText.js"
import type { Json } from "../../Json.js"
import type { DatabaseSchema, TableSchema } from "../../protocol/DatabaseSchema.js"
import type * as Value from "../../protocol/Value.js"
import { checkAtom } from "./atom.js"
import { type Column, compileColumn, toElements } from "./datum.js"
import type { OvsdbError } from "./errors.js"
import { memberOrder } from "./hashOrder.js"
import { UNLIMITED } from "./text.js"

/** A table compiled. */
export interface TableInfo {
  readonly name: string
  readonly schema: TableSchema
  readonly columns: ReadonlyMap<string, Column>
  /** Every column, `_uuid` and `_version` included, in the order ovsdb-server walks them. */
  readonly columnOrder: ReadonlyArray<Column>
  /** The columns with strong (resp. weak) references, in that order. */
  readonly strongColumns: ReadonlyArray<Column>
  readonly weakColumns: ReadonlyArray<Column>
  /** The unique indexes: each a list of columns. */
  readonly indexes: ReadonlyArray<ReadonlyArray<Column>>
  readonly isRoot: boolean
  /** `maxRows`, or `UINT_MAX`. */
  readonly maxRows: number
  /** A new row's default values, `_uuid` and `_version` left out. */
  readonly defaults: Value.Row
  /**
   * The columns whose default value breaks their own constraints (an enum without "", a minimum
   * above 0, …), in the walk order, with the error: an insert that leaves one of them out fails.
   */
  readonly badDefaults: ReadonlyArray<readonly [Column, OvsdbError]>
}

const RESERVED = ["_uuid", "_version"]

/**
 * The order ovsdb-server walks a table's columns in, from the order of the members of the table's
 * `columns` object in the schema file given to `ovsdb-tool create`.
 */
export const columnWalk = (fileOrder: ReadonlyArray<string>): Array<string> => {
  const tool = shashColumnOrder(fileOrder)
  // The database file holds the tool's columns (without _uuid, _version) as a JSON object it wrote
  // in its own hash order; ovsdb-server reads that.
  const written = memberOrder(tool.filter((name) => !RESERVED.includes(name)))
  return shashColumnOrder(written)
}

/** The members of the `columns` object of each table of a schema's JSON, in the text's order. */
const fileOrders = (source: Json | undefined): ReadonlyMap<string, ReadonlyArray<string>> => {
  const orders = new Map<string, ReadonlyArray<string>>()
  if (source === null || typeof source !== "object" || Array.isArray(source)) return orders
  const tables = (source as { readonly [key: string]: Json }).tables
  if (tables === null || typeof tables !== "object" || Array.isArray(tables)) return orders
  for (const [name, table] of Object.entries(tables as { readonly [key: string]: Json })) {
    if (table === null || typeof table !== "object" || Array.isArray(table)) continue
    const columns = (table as { readonly [key: string]: Json }).columns
    if (columns !== null && typeof columns === "object" && !Array.isArray(columns)) {
      orders.set(name, Object.keys(columns))
    }
  }
  return orders
}

/** Compiles a table. */
const compileTable = (schema: TableSchema, fileOrder: ReadonlyArray<string> | undefined): TableInfo => {
  const columns = new Map<string, Column>()
  for (const column of Object.values(schema.columns)) columns.set(column.name, compileColumn(column))
  const names = Object.keys(schema.columns).filter((name) => !RESERVED.includes(name))
  const known = fileOrder !== undefined && fileOrder.length === names.length &&
    fileOrder.every((name) => columns.has(name))
  const columnOrder = columnWalk(known ? fileOrder : names).map((name) => columns.get(name)!)
  const defaults: { [column: string]: Value.Value } = {}
  for (const column of columns.values()) {
    if (!RESERVED.includes(column.name)) defaults[column.name] = column.defaultValue
  }
  const badDefaults: Array<readonly [Column, OvsdbError]> = []
  for (const column of columnOrder) {
    if (RESERVED.includes(column.name)) continue
    const { keys, values } = toElements(column.shape, column.defaultValue)
    if (keys.length !== 1) continue
    const problem = checkAtom(column.type.key, keys[0]!) ??
      (column.type.value === undefined ? undefined : checkAtom(column.type.value, values![0]!))
    if (problem !== undefined) badDefaults.push([column, problem])
  }
  return {
    name: schema.name,
    schema,
    columns,
    columnOrder,
    badDefaults,
    strongColumns: columnOrder.filter((column) => column.hasStrongRefs),
    weakColumns: columnOrder.filter((column) => column.hasWeakRefs),
    indexes: schema.indexes.map((index) => index.map((name) => columns.get(name)!)),
    isRoot: schema.isRoot,
    maxRows: schema.maxRows ?? UNLIMITED,
    defaults
  }
}

/** Compiles every table of a schema; `source`, the schema file's JSON, gives the columns' order. */
export const compileTables = (schema: DatabaseSchema, source: Json | undefined): ReadonlyMap<string, TableInfo> => {
  const orders = fileOrders(source)
  return new Map(Object.values(schema.tables).map((table) => [table.name, compileTable(table, orders.get(table.name))]))
}
