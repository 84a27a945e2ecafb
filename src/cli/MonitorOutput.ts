/**
 * Monitor output as ovsdb-client prints it (ovsdb/ovsdb-client.c `monitor_print_table`,
 * `monitor2_print_table`): for each update that touches the table, one table with the columns
 * `row`, `action` and the monitored columns, its rows in the order ovsdb-client's hash table lists
 * them, a cell empty where the update says nothing of the column. The table is then printed in the
 * run's format (see `Table`).
 *
 * Version 1 (`monitor`) prints a modification as two rows, `old` (the changed columns' old values)
 * and `new` (the whole new row, its `row` cell empty); versions 2 and 3 (`monitor-cond`,
 * `monitor-cond-since`) print one `modify` row holding the diff, and a deletion with no cell but
 * `row` and `action`.
 *
 * @since 0.1.0
 */
import type { TableSchema } from "../protocol/DatabaseSchema.js"
import * as Monitor from "../protocol/Monitor.js"
import * as Value from "../protocol/Value.js"
import type { Cell, Column, Table } from "./format/Table.js"
import { compareBytes, shashOrder } from "./OvsText.js"

/**
 * What to monitor, from ovsdb-client's `COLUMN[,COLUMN]…` argument: the columns named (all but
 * `_uuid` and `_version`, sorted, then `_version`, when none is), and the `!initial`, `!insert`,
 * `!delete`, `!modify` switches.
 *
 * @since 0.1.0
 * @category monitor
 */
export const parseColumns = (
  table: TableSchema,
  argument: string | undefined
): { readonly columns: ReadonlyArray<string>; readonly select?: Monitor.Select } | string => {
  const named: Array<string> = []
  const select = { initial: true, insert: true, delete: true, modify: true }
  for (const token of (argument ?? "").split(",").filter((t) => t !== "")) {
    const flag = /^!(initial|insert|delete|modify)$/.exec(token)
    if (flag !== null) select[flag[1] as keyof typeof select] = false
    else if (table.columns[token] === undefined) return `table "${table.name}" does not have a column named "${token}"`
    else if (named.includes(token)) return `column "${token}" mentioned multiple times`
    else named.push(token)
  }
  const columns = named.length > 0
    ? named
    : [...Object.keys(table.columns).filter((c) => c !== "_uuid" && c !== "_version").sort(compareBytes), "_version"]
  const all = select.initial && select.insert && select.delete && select.modify
  return all ? { columns } : { columns, select }
}

const cells = (row: Value.Row | undefined, columns: ReadonlyArray<string>): Array<Cell> =>
  columns.map((column) => row?.[column] === undefined ? undefined : Value.encode(row[column]))

/**
 * The table ovsdb-client prints for one update of `table`, or `undefined` when the update does not
 * touch it.
 *
 * @since 0.1.0
 * @category monitor
 */
export const updateTable = (
  table: TableSchema,
  columns: ReadonlyArray<string>,
  changes: ReadonlyArray<Monitor.RowUpdate>,
  version: 1 | 2 | 3
): Table | undefined => {
  const mine = changes.filter((change) => change.table === table.name)
  if (mine.length === 0) return undefined
  // ovsdb-client keeps the rows of an update in a hash table keyed by UUID and prints them in its order.
  const byUuid = new Map(mine.map((change) => [change.uuid.value, change]))
  const rows: Array<ReadonlyArray<Cell>> = []
  for (const uuid of shashOrder(byUuid.keys())) {
    const change = byUuid.get(uuid)!
    switch (change._tag) {
      case "Initial":
        rows.push([uuid, "initial", ...cells(change.row, columns)])
        break
      case "Insert":
        rows.push([uuid, "insert", ...cells(change.row, columns)])
        break
      case "Delete":
        // monitor2_print_row: a version 2 deletion carries no row.
        rows.push([uuid, "delete", ...cells(version === 1 ? change.old : undefined, columns)])
        break
      case "Modify":
        if (version === 1) {
          rows.push([uuid, "old", ...cells(change.old, columns)], ["", "new", ...cells(change.row, columns)])
        } else {
          rows.push([uuid, "modify", ...cells(change.diff, columns)])
        }
    }
  }
  const headings: Array<Column> = [{ heading: "row" }, { heading: "action" }]
  for (const column of columns) headings.push({ heading: column, type: table.columns[column]?.type })
  return { columns: headings, rows }
}

/**
 * Makes version 2 and 3 changes of `table` printable as version 1's: a new row gets the columns
 * left out for holding their default value, a modification its whole new row and its changed
 * columns' old values, a deletion its last row, from the rows seen so far. What `monitor` prints
 * when it follows a cluster, whose session monitors with diffs. Changes that already carry their
 * rows (version 1 from the server) pass as they are.
 *
 * @since 0.1.0
 * @category monitor
 */
export const asVersion1 = (table: TableSchema) => {
  const rows = new Map<string, Value.Row>()
  const types = Object.fromEntries(Object.entries(table.columns).map(([name, column]) => [name, column.type]))
  return (changes: ReadonlyArray<Monitor.RowUpdate>): ReadonlyArray<Monitor.RowUpdate> =>
    changes.map((change): Monitor.RowUpdate => {
      if (change.table !== table.name) return change
      const key = change.uuid.value
      switch (change._tag) {
        case "Initial":
        case "Insert": {
          const row: { [column: string]: Value.Value } = { ...change.row }
          for (const column in table.columns) {
            if (column !== "_uuid" && row[column] === undefined) {
              row[column] = Monitor.defaultValue(table.columns[column]!.type)
            }
          }
          rows.set(key, row)
          return { ...change, row }
        }
        case "Delete": {
          const old = change.old ?? rows.get(key)
          rows.delete(key)
          return old === undefined ? change : { ...change, old }
        }
        case "Modify": {
          if (change.row !== undefined) rows.set(key, change.row)
          if (change.row !== undefined || change.diff === undefined) return change
          const before = rows.get(key) ?? {}
          const old: { [column: string]: Value.Value } = {}
          for (const column in change.diff) if (before[column] !== undefined) old[column] = before[column]
          const row = Monitor.applyRowDiff(types, before, change.diff)
          rows.set(key, row)
          return { _tag: "Modify", table: change.table, uuid: change.uuid, row, old }
        }
      }
    })
}
