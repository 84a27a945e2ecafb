/**
 * `dump` as ovsdb-client prints it (ovsdb/ovsdb-client.c `do_dump`, `dump_table`): one table per
 * database table, captioned `T table`, with the columns sorted by name (`_version` left out) and
 * the rows sorted the way ovsdb-client sorts them, so the output is reproducible: by every
 * non-UUID column in turn, then by the UUID columns, comparing values as OVSDB compares datums
 * (size first, then atom by atom). The table is then printed in the run's format (see `Table`).
 *
 * @since 0.1.0
 */
import type { Json } from "../Json.js"
import type { TableSchema } from "../protocol/DatabaseSchema.js"
import * as Op from "../protocol/Operation.js"
import { compareDatums } from "./format/Datum.js"
import type { Cell, Column, Table } from "./format/Table.js"
import { compareBytes } from "./OvsText.js"

/**
 * The columns ovsdb-client dumps: those named, or all but `_version`, sorted by name.
 *
 * @since 0.1.0
 * @category dump
 */
export const dumpColumns = (table: TableSchema, named: ReadonlyArray<string>): ReadonlyArray<string> =>
  [...(named.length > 0 ? named : Object.keys(table.columns))].filter((c) => c !== "_version").sort(compareBytes)

/**
 * The select that fetches a table's rows for the dump.
 *
 * @since 0.1.0
 * @category dump
 */
export const dumpSelect = (table: TableSchema, columns: ReadonlyArray<string>): Json =>
  Op.select(table.name, [], columns).json

/**
 * One table of the dump, its rows sorted as ovsdb-client sorts them (`compare_rows`).
 *
 * @since 0.1.0
 * @category dump
 */
export const dumpTable = (
  table: TableSchema,
  columns: ReadonlyArray<string>,
  rows: ReadonlyArray<{ readonly [column: string]: Json }>
): Table => {
  const schema: ReadonlyArray<Column> = columns.map((name) => ({ heading: name, type: table.columns[name]?.type }))
  const cells: Array<ReadonlyArray<Cell>> = rows.map((row) => columns.map((column) => row[column]))
  // UUID columns last: their random values would make the order irreproducible.
  const indexes = columns.map((_, i) => i)
  const isUuid = (i: number) => schema[i]!.type?.key.type === "uuid"
  const order = [...indexes.filter((i) => !isUuid(i)), ...indexes.filter(isUuid)]
  cells.sort((a, b) => {
    for (const i of order) {
      const type = schema[i]!.type
      const x = a[i]
      const y = b[i]
      if (type === undefined || x === undefined || y === undefined) continue
      const c = compareDatums(x, y, type)
      if (c !== 0) return c
    }
    return 0
  })
  return { caption: `${table.name} table`, columns: schema, rows: cells, built: true }
}
