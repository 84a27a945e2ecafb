/**
 * Monitors: what a client asks to watch (RFC 7047 §4.1.5 and the `monitor_cond` extension of
 * ovsdb-server(7) §4.1.12), and the row changes the server reports, read into one model whichever
 * protocol version carried them.
 *
 * | version | method | initial rows | changes |
 * |---|---|---|---|
 * | 1 | `monitor` | reply, `{ "new": row }` | `update`: `new` and/or `old` |
 * | 2 | `monitor_cond` | reply, `{ "initial": row }` | `update2`: `insert`, `modify` (a diff), `delete` |
 * | 3 | `monitor_cond_since` | reply, after `[found, last-txn-id]` | `update3`: as `update2`, with the transaction id |
 *
 * A version 2 or 3 `modify` carries a diff, not the new value: for a set, the elements to toggle;
 * for a map, the pairs to add, remove or change (ovsdb-server(7) §4.1.14). `applyDiff` applies it.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { type Json, show as showJson } from "../Json.js"
import type { ColumnType } from "./DatabaseSchema.js"
import type { Condition } from "./Operation.js"
import { encodeWhere } from "./Operation.js"
import * as Value from "./Value.js"

/**
 * Which kinds of change to report (RFC 7047 §4.1.5 <monitor-select>); all when absent.
 *
 * @since 0.1.0
 * @category requests
 */
export interface Select {
  readonly initial?: boolean
  readonly insert?: boolean
  readonly delete?: boolean
  readonly modify?: boolean
}

/**
 * What to watch in one table: some columns (all when absent), only rows matching `where`
 * (`monitor_cond` and `monitor_cond_since` only), and which kinds of change.
 *
 * @example
 * ```ts
 * import type { Monitor } from "effect-ovsdb"
 * import { Operation as Op } from "effect-ovsdb"
 *
 * const either: Monitor.Requests = { Address_Set: { where: [Op.where("name", "==", "a"), Op.where("name", "==", "b")] } } // a or b
 * const none: Monitor.Requests = { Address_Set: { where: [Op.never] } } // nothing yet: `change` widens it later
 * ```
 *
 * @since 0.1.0
 * @category requests
 */
export interface TableRequest {
  readonly columns?: ReadonlyArray<string>
  /**
   * The rows to watch: those meeting ANY of the conditions (a disjunction, ovsdb-server(7)
   * §4.1.12), unlike a transaction's `where`, where every condition must hold. `[Op.always]`
   * watches every row, `[Op.never]` none; `[]`, like no `where`, watches every row.
   */
  readonly where?: ReadonlyArray<Condition>
  readonly select?: Select
}

/**
 * What to watch, table by table.
 *
 * @since 0.1.0
 * @category requests
 */
export type Requests = { readonly [table: string]: TableRequest }

/**
 * The wire form of monitor requests. Version 1 takes one request object per table; versions 2
 * and 3 take an array, and accept `where` (its boolean conditions as bare `true` and `false`).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeRequests = (requests: Requests, version: 1 | 2 | 3): Json => {
  const out: { [table: string]: Json } = {}
  for (const table in requests) {
    const request = requests[table]!
    const json: { [key: string]: Json } = {}
    if (request.columns !== undefined) json.columns = request.columns
    if (request.select !== undefined) json.select = { ...request.select }
    if (request.where !== undefined) json.where = encodeWhere(request.where)
    out[table] = version === 1 ? json : [json]
  }
  return out
}

/**
 * One row's change.
 *
 * - `Initial`: a row that existed when the monitor started.
 * - `Insert`: a new row. Version 2 and 3 leave out columns that hold their default value.
 * - `Modify`: a changed row. `diff` holds, for each changed column, the new value of a scalar or
 *   the set or map difference (version 2 and 3); `row` is the whole new row and `old` the changed
 *   columns' old values (version 1).
 * - `Delete`: a row that is gone; `old` is its last value (version 1).
 *
 * @since 0.1.0
 * @category models
 */
export type RowUpdate =
  | { readonly _tag: "Initial"; readonly table: string; readonly uuid: Value.Uuid; readonly row: Value.Row }
  | { readonly _tag: "Insert"; readonly table: string; readonly uuid: Value.Uuid; readonly row: Value.Row }
  | {
    readonly _tag: "Modify"
    readonly table: string
    readonly uuid: Value.Uuid
    readonly diff?: Value.Row
    readonly row?: Value.Row
    readonly old?: Value.Row
  }
  | { readonly _tag: "Delete"; readonly table: string; readonly uuid: Value.Uuid; readonly old?: Value.Row }

/**
 * A row that existed when the monitor started: what a monitor's reply holds for `monitor`,
 * `monitor_cond`, and `monitor_cond_since` when it did not resume (`found: false`).
 *
 * @example
 * ```ts
 * import type { Monitor } from "effect-ovsdb"
 *
 * const names = (rows: ReadonlyArray<Monitor.InitialRow>) => rows.map((initial) => initial.row.name)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type InitialRow = Extract<RowUpdate, { readonly _tag: "Initial" }>

/**
 * A monitor reply's row updates as initial rows, or why they are not: an `Insert` is a row new to
 * the monitor, so an initial row too, and a `Modify` or a `Delete` is no contents at all (only a
 * `monitor_cond_since` that resumed, `found: true`, reports changes in its reply). The array comes
 * back as it is when every update is an initial row already.
 *
 * @example
 * ```ts
 * import { Monitor, Value } from "effect-ovsdb"
 *
 * const uuid = Value.uuid("36c7aec5-e358-4f3d-8de0-78a6a2bb2433")
 * Monitor.initialRows([{ _tag: "Insert", table: "Bridge", uuid, row: { name: "br0" } }])
 * // [{ _tag: "Initial", table: "Bridge", uuid, row: { name: "br0" } }]
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const initialRows = (updates: ReadonlyArray<RowUpdate>): ReadonlyArray<InitialRow> | string => {
  let rows: Array<InitialRow> | undefined
  for (let index = 0; index < updates.length; index++) {
    const update = updates[index]!
    if (update._tag === "Modify" || update._tag === "Delete") {
      return `table ${update.table}, row ${update.uuid.value}: a ${update._tag.toLowerCase()} among initial rows`
    }
    if (update._tag === "Insert") {
      rows ??= updates.slice(0, index) as Array<InitialRow>
      rows.push({ _tag: "Initial", table: update.table, uuid: update.uuid, row: update.row })
    } else if (rows !== undefined) rows.push(update)
  }
  return rows ?? updates as ReadonlyArray<InitialRow>
}

const isObject = (json: Json | undefined): json is { readonly [key: string]: Json } =>
  typeof json === "object" && json !== null && !Array.isArray(json)

const decodeRow = (json: Json | undefined): Value.Row | string => {
  if (!isObject(json)) return `expected a row object, got ${showJson(json)}`
  const row: { [column: string]: Value.Value } = {}
  for (const column in json) {
    const value = Value.decode(json[column]!)
    if (value === undefined) return `column ${column}: not an OVSDB value: ${showJson(json[column])}`
    row[column] = value
  }
  return row
}

/** How a row is read: from its JSON, or from a reply's marker (`ReplyRows`). */
type RowReader = (json: Json | undefined) => Value.Row | string

/** RFC 7047 §4.1.6 <row-update>: `new` alone is an insert (or an initial row), `old` alone a delete. */
const decodeRowUpdate1 = (
  table: string,
  uuid: Value.Uuid,
  json: { readonly [key: string]: Json },
  initial: boolean,
  readRow: RowReader
): RowUpdate | string => {
  const row = json.new === undefined ? undefined : readRow(json.new)
  const old = json.old === undefined ? undefined : readRow(json.old)
  if (typeof row === "string") return row
  if (typeof old === "string") return old
  if (row !== undefined && old !== undefined) return { _tag: "Modify", table, uuid, row, old }
  if (row !== undefined) return { _tag: initial ? "Initial" : "Insert", table, uuid, row }
  if (old !== undefined) return { _tag: "Delete", table, uuid, old }
  return "a row update with neither new nor old"
}

/**
 * A `<row-update2>` read before its table and UUID are known: its kind, and its row or diff.
 *
 * @since 0.1.0
 * @category models
 */
export type RowChange =
  | { readonly kind: "initial" | "insert" | "modify"; readonly row: Value.Row }
  | { readonly kind: "delete" }

/** ovsdb-server(7) §4.1.14 <row-update2>: exactly one of initial, insert, modify, delete. */
const decodeRowChange = (json: { readonly [key: string]: Json }, readRow: RowReader): RowChange | string => {
  if ("delete" in json) return { kind: "delete" }
  for (const kind of ["initial", "insert", "modify"] as const) {
    if (json[kind] === undefined) continue
    const row = readRow(json[kind])
    return typeof row === "string" ? row : { kind, row }
  }
  return `a row update with none of initial, insert, modify, delete: ${showJson(json)}`
}

/** A `<row-update2>`'s change as the row update of `uuid` in `table`. */
const toRowUpdate = (table: string, uuid: Value.Uuid, change: RowChange): RowUpdate => {
  switch (change.kind) {
    case "delete":
      return { _tag: "Delete", table, uuid }
    case "modify":
      return { _tag: "Modify", table, uuid, diff: change.row }
    default:
      return { _tag: change.kind === "initial" ? "Initial" : "Insert", table, uuid, row: change.row }
  }
}

/**
 * The rows of one monitor reply, decoded as the reply arrives: give `read` to the call
 * (`RpcClient.CallOptions.readReply`) and the reply to `decodeTableUpdates`. Each value nested
 * `SPLIT_DEPTH` deep in a reply that spans reads, a row in the reply of `monitor` and
 * `monitor_cond` (`"row"`), a row update in that of `monitor_cond_since`, whose result nests its
 * table updates one level deeper (`"update"`), is decoded as soon as it is parsed, and the reply
 * keeps its marker. A row decoded while its JSON is new costs the collector far less than one
 * decoded once the whole reply is parsed, and the reply's JSON is never whole: a monitor's initial
 * rows take less time and memory.
 *
 * A reply that came whole in one read has no markers, and is decoded as any other.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Monitor, RpcClient } from "effect-ovsdb"
 *
 * const initial = Effect.gen(function*() {
 *   const rpc = yield* RpcClient.RpcClient
 *   const rows = new Monitor.ReplyRows("row")
 *   const reply = yield* rpc.call("monitor_cond", ["OVN_Northbound", "m", { Logical_Switch: {} }], {
 *     readReply: rows.read
 *   })
 *   return Monitor.decodeTableUpdates(reply, 2, true, rows)
 * })
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export class ReplyRows {
  /** The rows read, by marker (`"row"`). */
  private readonly rows: Array<Value.Row | string> = []
  /** The row updates read, by marker (`"update"`); `null` for one that is not an object. */
  private readonly changes: Array<RowChange | string | null> = []

  /**
   * A reader for one reply: `"row"` for that of `monitor` or `monitor_cond`, whose nested values
   * are rows; `"update"` for that of `monitor_cond_since`, whose nested values are row updates.
   */
  constructor(private readonly nested: "row" | "update") {}

  /** Takes a nested value of the reply: a `NestedReader`. */
  readonly read = (json: Json, marker: number): void => {
    if (this.nested === "row") this.rows[marker] = decodeRow(json)
    else this.changes[marker] = isObject(json) ? decodeRowChange(json, decodeRow) : null
  }

  /** The row that `json` marks, or why it is not one; `undefined` when `json` is no marker of a row. */
  row(json: Json | undefined): Value.Row | string | undefined {
    return marked(this.rows, json)
  }

  /** The row update that `json` marks, or why it is not one; `undefined` when `json` is no marker of one. */
  change(json: Json | undefined): RowChange | string | null | undefined {
    return marked(this.changes, json)
  }
}

/**
 * The value read for the marker `json`, if it is one. Once any value has been read, every array
 * where a nested value stood is a marker: the reader took every nested value of its reply.
 */
const marked = <A>(values: ReadonlyArray<A>, json: Json | undefined): A | string | undefined => {
  if (values.length === 0 || !Array.isArray(json)) return undefined
  const marker = (json as ReadonlyArray<Json>)[0]
  if (typeof marker !== "number") return undefined
  const value = values[marker]
  return value === undefined ? `no value read for marker ${marker}` : value
}

/**
 * Reads `<table-updates>` (version 1) or `<table-updates2>` (versions 2 and 3) into row updates,
 * or the reason it cannot. In version 1, `initial` says whether a row with only `new` is an
 * initial row (in the monitor's reply) or an insert (in a notification). `reply` has the rows that
 * were decoded as the reply arrived, when it was read by it (`ReplyRows`).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeTableUpdates = (
  json: Json,
  version: 1 | 2 | 3,
  initial = false,
  reply?: ReplyRows
): ReadonlyArray<RowUpdate> | string => {
  if (!isObject(json)) return `expected table updates, got ${showJson(json)}`
  const readRow: RowReader = reply === undefined ? decodeRow : (row) => reply.row(row) ?? decodeRow(row)
  const updates: Array<RowUpdate> = []
  for (const table in json) {
    const rows = json[table]
    if (!isObject(rows)) return `table ${table}: expected row updates, got ${showJson(rows)}`
    for (const uuid in rows) {
      const row = rows[uuid]
      if (!Value.isUuidText(uuid)) return `table ${table}: bad row update for ${uuid}`
      const read = version === 1 ? undefined : reply?.change(row)
      let update: RowUpdate | string
      if (read !== undefined && read !== null) {
        update = typeof read === "string" ? read : toRowUpdate(table, Value.uuid(uuid), read)
      } else if (read === null || !isObject(row)) {
        return `table ${table}: bad row update for ${uuid}`
      } else if (version === 1) {
        update = decodeRowUpdate1(table, Value.uuid(uuid), row, initial, readRow)
      } else {
        const change = decodeRowChange(row, readRow)
        update = typeof change === "string" ? change : toRowUpdate(table, Value.uuid(uuid), change)
      }
      if (typeof update === "string") return `table ${table}, row ${uuid}: ${update}`
      updates.push(update)
    }
  }
  return updates
}

/**
 * The wire form of row updates, grouped by table and row: the inverse of `decodeTableUpdates`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeTableUpdates = (updates: ReadonlyArray<RowUpdate>, version: 1 | 2 | 3): Json => {
  const tables: { [table: string]: { [uuid: string]: Json } } = {}
  for (const update of updates) {
    const rows = (tables[update.table] ??= {})
    const uuid = update.uuid.value
    if (version === 1) {
      rows[uuid] = update._tag === "Delete"
        ? (update.old === undefined ? {} : { old: Value.encodeRow(update.old) })
        : update._tag === "Modify"
        ? {
          ...(update.row === undefined ? {} : { new: Value.encodeRow(update.row) }),
          ...(update.old === undefined ? {} : { old: Value.encodeRow(update.old) })
        }
        : { new: Value.encodeRow(update.row) }
    } else {
      rows[uuid] = update._tag === "Delete"
        ? { delete: null }
        : update._tag === "Modify"
        ? { modify: Value.encodeRow(update.diff ?? {}) }
        : { [update._tag === "Initial" ? "initial" : "insert"]: Value.encodeRow(update.row) }
    }
  }
  return tables
}

const isRowUpdates = (u: unknown): u is ReadonlyArray<RowUpdate> => Array.isArray(u)

/**
 * The Schema of `<table-updates>` (version 1) or `<table-updates2>` (versions 2 and 3): JSON on the
 * wire, row updates in TypeScript. It decodes with `decodeTableUpdates`, one pass over the rows
 * (the initial contents of a big table are hundreds of thousands of them), and encodes with
 * `encodeTableUpdates`. In version 1, `initial` reads rows with only `new` as initial rows;
 * `reply` has the rows decoded as a reply arrived (`ReplyRows`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Monitor } from "effect-ovsdb"
 *
 * const uuid = "36c7aec5-e358-4f3d-8de0-78a6a2bb2433"
 * Schema.decodeUnknownEffect(Monitor.TableUpdates(2))({ Bridge: { [uuid]: { insert: { name: "br0" } } } })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const TableUpdates = (version: 1 | 2 | 3, initial = false, reply?: ReplyRows) =>
  Schema.Unknown.pipe(Schema.decodeTo(
    Schema.declare(isRowUpdates),
    SchemaTransformation.transformEffect<ReadonlyArray<RowUpdate>, unknown>({
      decode: (json, options) => {
        const updates = decodeTableUpdates(json as Json, version, initial, reply)
        return typeof updates === "string"
          ? Effect.fail(new SchemaIssue.InvalidValue({ message: updates }, json, options))
          : Effect.succeed(updates)
      },
      encode: (updates) => Effect.succeed(encodeTableUpdates(updates, version))
    })
  ))

const asSet = (type: ColumnType, value: Value.Value | undefined): ReadonlyArray<Value.Atom> => {
  if (value === undefined) return []
  const normalized = Value.normalize({ ...type, max: "unlimited" }, value)
  return Array.isArray(normalized) ? normalized as ReadonlyArray<Value.Atom> : []
}

/**
 * The zero UUID as a transaction id (ovsdb-server(7) §4.1.15): sent as `monitor_cond_since`'s last
 * id, it names no transaction, so the server sends the whole contents; a standalone ovsdb-server,
 * which keeps no transaction ids, reports it for every transaction.
 *
 * @since 0.1.0
 * @category constants
 */
export const ZERO_TXN_ID = Value.ZERO_UUID

/**
 * The last transaction id a `monitor_cond_since` of `database` sends for `lastTxnId`: the zero
 * UUID for `_Server`, for which ovsdb-server keeps no transaction history (ovsdb-server.c opens it
 * without one), so the reply is the same, and ovsdb-server 3.1 crashes when asked to resume it
 * from any other id. Any other database's id as given.
 *
 * @example
 * ```ts
 * import { Monitor } from "effect-ovsdb"
 *
 * Monitor.resumeFrom("_Server", "36c7aec5-e358-4f3d-8de0-78a6a2bb2433") // "00000000-0000-0000-0000-000000000000"
 * ```
 *
 * @since 0.1.0
 * @category requests
 */
export const resumeFrom = (database: string, lastTxnId: string): string =>
  database === "_Server" ? ZERO_TXN_ID : lastTxnId

/**
 * The value a column holds by default: what a version 2 or 3 `initial` or `insert` leaves out
 * (ovsdb-server(7) §4.1.14 "columns whose value is the default are omitted"). An empty set or map
 * when the column may be empty; otherwise the default atom (0, 0.0, false, "", the zero UUID),
 * or a map of the default key to the default value.
 *
 * @example
 * ```ts
 * import { Monitor } from "effect-ovsdb"
 *
 * Monitor.defaultValue({ key: { type: "string" }, value: { type: "string" }, min: 0, max: "unlimited" }) // Map(0)
 * ```
 *
 * @since 0.1.0
 * @category diffs
 */
export const defaultValue = (type: ColumnType): Value.Value => {
  if (type.min === 0) return type.value === undefined ? [] : new Map()
  const key = Value.defaultAtom(type.key.type)
  return type.value === undefined ? key : new Map([[key, Value.defaultAtom(type.value.type)]])
}

/**
 * Applies a version 2 or 3 `modify` diff of one column to its old value (ovsdb-server(7) §4.1.14):
 * a scalar takes the new value; a set toggles each element of the diff; a map adds the pairs whose
 * key it lacks, removes those whose key and value it has, and takes the new value for the others.
 *
 * @since 0.1.0
 * @category diffs
 */
export const applyDiff = (type: ColumnType, old: Value.Value | undefined, diff: Value.Value): Value.Value => {
  if (type.value !== undefined) {
    // Keyed by atomKey, so a diff costs its own size, not the size of the map it changes.
    const pairs = new Map<string, readonly [Value.Atom, Value.Atom]>()
    for (const [key, value] of old instanceof Map ? old : []) pairs.set(Value.atomKey(key), [key, value])
    for (const [key, value] of diff instanceof Map ? diff : []) {
      const id = Value.atomKey(key)
      const current = pairs.get(id)
      if (current === undefined) pairs.set(id, [key, value])
      else if (Value.atomKey(current[1]) === Value.atomKey(value)) pairs.delete(id)
      else pairs.set(id, [current[0], value])
    }
    return new Map(pairs.values())
  }
  if (type.min === 1 && type.max === 1) return diff
  const result = new Map<string, Value.Atom>()
  for (const atom of asSet(type, old)) result.set(Value.atomKey(atom), atom)
  for (const atom of asSet(type, diff)) {
    const id = Value.atomKey(atom)
    if (result.has(id)) result.delete(id)
    else result.set(id, atom)
  }
  return [...result.values()]
}

/**
 * A row with a version 2 or 3 `modify` diff applied, column by column with `applyDiff` and the
 * column's type in `types`; a column whose type is not there takes the diff's value as it is (what
 * a scalar's diff is).
 *
 * @example
 * ```ts
 * import { Monitor, Value } from "effect-ovsdb"
 *
 * const portsType = { key: { type: "uuid", refTable: "Logical_Switch_Port" }, min: 0, max: "unlimited" } as const
 * const port = Value.uuid("36c7aec5-e358-4f3d-8de0-78a6a2bb2433")
 * Monitor.applyRowDiff({ ports: portsType }, { name: "ls0", ports: [] }, { ports: [port] })
 * // { name: "ls0", ports: [port] }: a set's diff adds what it lacks and removes what it has
 * ```
 *
 * @since 0.1.0
 * @category diffs
 */
export const applyRowDiff = (
  types: { readonly [column: string]: ColumnType | undefined },
  row: Value.Row | undefined,
  diff: Value.Row
): Value.Row => {
  const out: { [column: string]: Value.Value } = { ...row }
  for (const column in diff) {
    const type = types[column]
    out[column] = type === undefined ? diff[column]! : applyDiff(type, row?.[column], diff[column]!)
  }
  return out
}
