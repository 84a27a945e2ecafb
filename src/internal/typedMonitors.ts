/**
 * The rows of a typed monitor (`Typed.monitor`, `monitorCond`, `monitorCondSince`): each watched
 * table's rows by UUID text, read with the model's column codecs, and the typed changes each
 * update makes of them. Pure and synchronous, as the replica's store is.
 *
 * A row holds `_uuid` and every watched column: a version 2 or 3 insert leaves out the columns
 * holding their default value (ovsdb-server(7) §4.1.14), which the row gets back here, and a
 * `modify` diff is applied to the row it changes, so that every change carries whole rows. Each
 * value the server sends is checked against its column's codec before it is taken: a value the
 * model cannot hold is a `RowDecodeError`, never a row of the wrong type.
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import { ProtocolError, RowDecodeError } from "../Errors.js"
import type { MonitorEvent, MonitorReset } from "../Ovsdb.js"
import type * as ColumnCodec from "../protocol/ColumnCodec.js"
import * as Monitor from "../protocol/Monitor.js"
import * as Value from "../protocol/Value.js"
import { valueKey } from "./replicaStore.js"

/** A typed row: `_uuid` and the watched columns, each as `Value.normalize` reads it. */
export type Row = { readonly [column: string]: unknown }

/** Each watched table's rows, by UUID text. */
export type Contents = { readonly [table: string]: ReadonlyMap<string, Row> }

/** One change of one row, with whole rows. */
export type Change =
  | { readonly _tag: "Insert"; readonly table: string; readonly uuid: Value.Uuid; readonly row: Row }
  | {
    readonly _tag: "Modify"
    readonly table: string
    readonly uuid: Value.Uuid
    readonly old: Row
    readonly row: Row
    /** The watched columns whose value changed. */
    readonly columns: ReadonlyArray<string>
  }
  | { readonly _tag: "Delete"; readonly table: string; readonly uuid: Value.Uuid; readonly old: Row }

/** What a typed monitor streams: its updates' changes, and its contents replaced as a whole. */
export type Event =
  | { readonly _tag: "Update"; readonly changes: ReadonlyArray<Change>; readonly lastTxnId?: string }
  | { readonly _tag: "Reset"; readonly rows: Contents; readonly reason: string; readonly lastTxnId?: string }

/** The watched columns of a table, by name, with their codecs. */
export type TableSpec = { readonly [column: string]: ColumnCodec.ColumnCodec }

/** Why an update could not be taken. */
export type Failure = RowDecodeError | ProtocolError

/** A wire value read with its column's codec: checked against every constraint, then normalized. */
const decodeValue = (
  database: string,
  table: string,
  uuid: Value.Uuid,
  codec: ColumnCodec.ColumnCodec,
  value: Value.Value
): Result.Result<unknown, RowDecodeError> => {
  const checked = codec.encode(value)
  if (Result.isSuccess(checked)) return Result.succeed(Value.normalize(codec.type, value))
  const { column, constraint, detail, value: shown } = checked.failure
  return Result.fail(
    new RowDecodeError({ database, table, uuid: uuid.value, column, constraint, value: shown, detail })
  )
}

/** The rows of a typed monitor, and the changes each update makes of them. */
export class Rows {
  private readonly tables = new Map<string, Map<string, Row>>()
  /** The tables whose map was handed out (`contents`): the next change of one copies it first. */
  private readonly handedOut = new Set<string>()
  /**
   * Each table's empty row, `_uuid` and every watched column at its default: a row starts as a
   * copy of it (one shape for every row of a table, which V8 keeps compact).
   */
  private readonly templates = new Map<string, Row>()

  constructor(
    readonly database: string,
    /** Names the monitor in a `ProtocolError`. */
    readonly method: string,
    readonly specs: { readonly [table: string]: TableSpec }
  ) {
    for (const [table, codecs] of Object.entries(specs)) {
      this.tables.set(table, new Map())
      const defaults = Object.values(codecs).map((codec) =>
        [codec.column, Value.normalize(codec.type, Monitor.defaultValue(codec.type))] as const
      )
      this.templates.set(table, Object.fromEntries([["_uuid", undefined], ...defaults]))
    }
  }

  /** Every watched table's rows now. The maps are not changed afterwards: later changes copy them. */
  contents(): Contents {
    const out: { [table: string]: ReadonlyMap<string, Row> } = {}
    for (const [table, rows] of this.tables) {
      out[table] = rows
      this.handedOut.add(table)
    }
    return out
  }

  /** Takes `contents` (a caller's rows, from an earlier monitor) as the rows the monitor has. */
  restore(contents: Contents): void {
    for (const table of this.tables.keys()) {
      const rows = contents[table]
      this.tables.set(table, (rows ?? new Map()) as Map<string, Row>)
      this.handedOut.add(table)
    }
  }

  /** Replaces every table's rows with `rows`: a monitor's whole contents. */
  load(rows: ReadonlyArray<Monitor.InitialRow>): Result.Result<void, Failure> {
    for (const table of this.tables.keys()) {
      this.tables.set(table, new Map())
      this.handedOut.delete(table)
    }
    for (const update of rows) {
      const table = this.tables.get(update.table)
      if (table === undefined) continue
      const row = this.fromWire(update.table, update.uuid, this.templates.get(update.table)!, update.row)
      if (Result.isFailure(row)) return Result.fail(row.failure)
      table.set(update.uuid.value, row.success)
    }
    return Result.void
  }

  /** Applies one update's row changes, in order; returns them as typed changes with whole rows. */
  apply(updates: ReadonlyArray<Monitor.RowUpdate>): Result.Result<ReadonlyArray<Change>, Failure> {
    const changes: Array<Change> = []
    for (const update of updates) {
      if (!this.tables.has(update.table)) continue
      const rows = this.writable(update.table)
      const key = update.uuid.value
      const old = rows.get(key)
      if ((update._tag === "Initial" || update._tag === "Insert") === (old !== undefined)) {
        return Result.fail(this.misfit(update, old !== undefined))
      }
      switch (update._tag) {
        case "Initial":
        case "Insert": {
          const row = this.fromWire(update.table, update.uuid, this.templates.get(update.table)!, update.row)
          if (Result.isFailure(row)) return Result.fail(row.failure)
          rows.set(key, row.success)
          changes.push({ _tag: "Insert", table: update.table, uuid: update.uuid, row: row.success })
          break
        }
        case "Modify": {
          const row = this.modified(update, old!)
          if (Result.isFailure(row)) return Result.fail(row.failure)
          rows.set(key, row.success)
          const columns = Object.keys(update.diff ?? update.row ?? {}).filter((column) =>
            column !== "_uuid" && column in row.success && valueKey(old![column]) !== valueKey(row.success[column])
          )
          changes.push({ _tag: "Modify", table: update.table, uuid: update.uuid, old: old!, row: row.success, columns })
          break
        }
        case "Delete":
          rows.delete(key)
          changes.push({ _tag: "Delete", table: update.table, uuid: update.uuid, old: old! })
      }
    }
    return Result.succeed(changes)
  }

  /** The table's map, copied first if it was handed out. */
  private writable(table: string): Map<string, Row> {
    const rows = this.tables.get(table)!
    if (!this.handedOut.has(table)) return rows
    const copy = new Map(rows)
    this.tables.set(table, copy)
    this.handedOut.delete(table)
    return copy
  }

  /** `base` with the wire row's watched columns read into it; the others keep base's values. */
  private fromWire(table: string, uuid: Value.Uuid, base: Row, wire: Value.Row): Result.Result<Row, RowDecodeError> {
    const codecs = this.specs[table]!
    const row: { [column: string]: unknown } = { ...base }
    row._uuid = uuid
    for (const column in wire) {
      const codec = codecs[column]
      if (codec === undefined) continue
      const value = decodeValue(this.database, table, uuid, codec, wire[column]!)
      if (Result.isFailure(value)) return Result.fail(value.failure)
      row[column] = value.success
    }
    return Result.succeed(row)
  }

  /** The new row of a `Modify`: the old row with a version 1 row's columns, or a version 2 or 3 diff applied. */
  private modified(
    update: Extract<Monitor.RowUpdate, { readonly _tag: "Modify" }>,
    old: Row
  ): Result.Result<Row, RowDecodeError> {
    if (update.diff === undefined) return this.fromWire(update.table, update.uuid, old, update.row ?? {})
    const codecs = this.specs[update.table]!
    const row: { [column: string]: unknown } = { ...old }
    for (const column in update.diff) {
      const codec = codecs[column]
      if (codec === undefined) continue
      const applied = Monitor.applyDiff(codec.type, old[column] as Value.Value | undefined, update.diff[column]!)
      const value = decodeValue(this.database, update.table, update.uuid, codec, applied)
      if (Result.isFailure(value)) return Result.fail(value.failure)
      row[column] = value.success
    }
    return Result.succeed(row)
  }

  /** An insert of a row the monitor has, or a change of one it does not have. */
  private misfit(update: Monitor.RowUpdate, present: boolean): ProtocolError {
    const what = present
      ? "an insert of a row the monitor has"
      : `a ${update._tag.toLowerCase()} of a row it does not have`
    return new ProtocolError({
      method: this.method,
      detail: `table ${update.table}, row ${update.uuid.value}: ${what}`
    })
  }
}

/**
 * A monitor's events as typed events, applied to `rows` as they are taken: an update's changes
 * with whole rows, a reset's new contents. The first that cannot be taken fails the stream.
 */
export const follow = <E>(
  rows: Rows,
  events: Stream.Stream<MonitorEvent, E>
): Stream.Stream<Event, E | Failure> =>
  Stream.mapEffect(events, (event) =>
    Effect.fromResult(
      event._tag === "Update"
        ? Result.map(rows.apply(event.changes), (changes): Event =>
          event.lastTxnId === undefined
            ? { _tag: "Update", changes }
            : { _tag: "Update", changes, lastTxnId: event.lastTxnId })
        : Result.map(reset(rows, event), (contents): Event =>
          event.lastTxnId === undefined
            ? { _tag: "Reset", rows: contents, reason: event.reason }
            : { _tag: "Reset", rows: contents, reason: event.reason, lastTxnId: event.lastTxnId })
    ))

/** A reset's rows, checked to be initial rows, taken as the whole contents. */
const reset = (rows: Rows, event: MonitorReset): Result.Result<Contents, Failure> => {
  const initial = Monitor.initialRows(event.changes)
  if (typeof initial === "string") return Result.fail(new ProtocolError({ method: rows.method, detail: initial }))
  return Result.map(rows.load(initial), () => rows.contents())
}
