/**
 * `dump` as ovsdb-client prints it with `--format=json`: one JSON table per database table —
 * `{"caption": "T table", "data": [[cell, …], …], "headings": [column, …]}` — with the columns
 * sorted by name (`_version` left out) and the rows sorted the way ovsdb-client sorts them, so the
 * output is reproducible: by every non-UUID column in turn, then by the UUID columns, comparing
 * values as OVSDB compares datums (size first, then atom by atom).
 *
 * @since 0.1.0
 */
import type { Json } from "../Json.js"
import type { ColumnType, TableSchema } from "../protocol/DatabaseSchema.js"
import * as Op from "../protocol/Operation.js"
import { compareBytes, sortedJson } from "./OvsText.js"

/**
 * The columns ovsdb-client dumps: those named, or all but `_version`, sorted by name.
 *
 * @since 0.1.0
 * @category dump
 */
export const dumpColumns = (table: TableSchema, named: ReadonlyArray<string>): ReadonlyArray<string> =>
  [...(named.length > 0 ? named : Object.keys(table.columns).filter((c) => c !== "_version"))].sort(compareBytes)

/**
 * The select that fetches a table's rows for the dump.
 *
 * @since 0.1.0
 * @category dump
 */
export const dumpSelect = (table: TableSchema, columns: ReadonlyArray<string>): Json =>
  Op.select(table.name, [], columns).json

type AtomJson = string | number | bigint | boolean

/** A datum's keys and, for a map, values, as they appear on the wire (RFC 7047 §5.1). */
const datumOf = (json: Json): { readonly keys: ReadonlyArray<Json>; readonly values: ReadonlyArray<Json> } => {
  if (Array.isArray(json) && json[0] === "set") return { keys: json[1] as ReadonlyArray<Json>, values: [] }
  if (Array.isArray(json) && json[0] === "map") {
    const pairs = json[1] as ReadonlyArray<readonly [Json, Json]>
    return { keys: pairs.map(([k]) => k), values: pairs.map(([, v]) => v) }
  }
  return { keys: [json], values: [] }
}

/** An atom's comparable form: a UUID by its hex digits, which orders it as its 128-bit value. */
const atomOf = (json: Json): AtomJson =>
  Array.isArray(json) ? String(json[1]).replaceAll("-", "").toLowerCase() : json as AtomJson

const compareAtoms = (a: Json, b: Json): number => {
  const x = atomOf(a)
  const y = atomOf(b)
  if (typeof x === "string" && typeof y === "string") return compareBytes(x, y)
  return x < y ? -1 : x > y ? 1 : 0
}

/** `ovsdb_datum_compare_3way`: the smaller datum first, then atom by atom, keys then values. */
const compareDatums = (a: Json, b: Json): number => {
  const x = datumOf(a)
  const y = datumOf(b)
  if (x.keys.length !== y.keys.length) return x.keys.length < y.keys.length ? -1 : 1
  for (let i = 0; i < x.keys.length; i++) {
    const c = compareAtoms(x.keys[i]!, y.keys[i]!)
    if (c !== 0) return c
  }
  for (let i = 0; i < x.values.length; i++) {
    const c = compareAtoms(x.values[i]!, y.values[i]!)
    if (c !== 0) return c
  }
  return 0
}

const isUuidColumn = (type: ColumnType | undefined) => type?.key.type === "uuid"

/**
 * One table of the dump, as ovsdb-client's JSON output prints it.
 *
 * @since 0.1.0
 * @category dump
 */
export const dumpTable = (
  table: TableSchema,
  columns: ReadonlyArray<string>,
  rows: ReadonlyArray<{ readonly [column: string]: Json }>
): string => {
  const data = rows.map((row) => columns.map((column) => row[column] ?? null))
  const indexes = columns.map((_, i) => i)
  // Non-UUID columns first, since random UUIDs would make the order irreproducible.
  const order = [
    ...indexes.filter((i) => !isUuidColumn(table.columns[columns[i]!]?.type)),
    ...indexes.filter((i) => isUuidColumn(table.columns[columns[i]!]?.type))
  ]
  data.sort((a, b) => {
    for (const i of order) {
      const c = compareDatums(a[i]!, b[i]!)
      if (c !== 0) return c
    }
    return 0
  })
  return sortedJson({ caption: `${table.name} table`, data, headings: columns })
}
