/**
 * Typed operations (RFC 7047 §5.2) over the tables of a model (`Model`). TypeScript checks column
 * names, value types, which functions a condition may use and which mutators a column takes; the
 * column codecs then check every value against its column's constraints as the operation is built.
 * An operation with a refused value carries the `ValueError`, and `Ovsdb.transact` fails with it
 * before anything is sent.
 *
 * | column | conditions | mutations |
 * |---|---|---|
 * | any | `==` `!=` `includes` `excludes` | |
 * | integer or real (scalar or optional) | also `<` `<=` `>` `>=` | `+=` `-=` `*=` `/=` `%=` |
 * | set, or optional | | `insert` `delete` (a set); `+=`… on numbers |
 * | map | | `insert` (a map), `delete` (a map, or a set of keys) |
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Model, Ovsdb, Typed } from "effect-ovsdb"
 * import { Logical_Switch, Logical_Switch_Port } from "effect-ovsdb/models/OVN_Northbound"
 *
 * const program = Effect.gen(function*() {
 *   const ovsdb = yield* Ovsdb.Ovsdb
 *   const port = Model.named(Logical_Switch_Port, "port")
 *   const [, sw] = yield* ovsdb.transact(
 *     "OVN_Northbound",
 *     Typed.insert(Logical_Switch_Port, { name: "lsp0", addresses: ["dynamic"] }, { uuidName: port }),
 *     Typed.insert(Logical_Switch, { name: "ls0", ports: [port] })
 *   )
 *   const [{ rows }] = yield* ovsdb.transact(
 *     "OVN_Northbound",
 *     Typed.select(Logical_Switch, [["name", "==", "ls0"]], ["ports"])
 *   )
 *   return { switch: sw.uuid, ports: rows[0]?.ports } // Model.Ref<"Logical_Switch">, its ports' Refs
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { ConnectionClosed, MonitorCanceled, RowDecodeError } from "./Errors.js"
import { ProtocolError, ValueError } from "./Errors.js"
import * as TypedMonitors from "./internal/typedMonitors.js"
import type { Json } from "./Json.js"
import * as Model from "./Model.js"
import type {
  CallError,
  ConditionalMonitor as AnyConditionalMonitor,
  LiveMonitor as AnyLiveMonitor,
  Ovsdb
} from "./Ovsdb.js"
import * as ColumnCodec from "./protocol/ColumnCodec.js"
import type { ColumnSchema, ColumnType } from "./protocol/DatabaseSchema.js"
import type * as Monitor from "./protocol/Monitor.js"
import * as Operation from "./protocol/Operation.js"
import * as Value from "./protocol/Value.js"

/**
 * The column names of a row type: `Columns<Nb.Logical_Switch>` is `"_uuid" | "_version" | "name" | …`.
 *
 * @since 0.1.0
 * @category models
 */
export type Columns<Row> = keyof Row & string

/**
 * The value of an `integer` or `real` column: a `number`, or a `bigint` for an integer beyond
 * ±(2^53 - 1).
 *
 * @since 0.1.0
 * @category models
 */
export type Numeric = number | bigint

/**
 * The atom of a scalar, optional or set column's value `V` (a set's element, an optional's value);
 * `never` for a map.
 *
 * @since 0.1.0
 * @category models
 */
export type Element<V> = V extends ReadonlyArray<infer A> ? A
  : V extends ReadonlyMap<unknown, unknown> ? never
  : NonNullable<V>

/**
 * A clause on a column of `Row` (RFC 7047 §5.1 `<condition>`): `[column, function, value]`.
 * Any column takes `==`, `!=`, `includes` and `excludes` with a value of its type; an integer or
 * real column that is not a set takes `<`, `<=`, `>` and `>=` with a number.
 *
 * @since 0.1.0
 * @category conditions
 */
export type Clause<Row> = {
  readonly [C in Columns<Row>]:
    | readonly [C, "==" | "!=" | "includes" | "excludes", Model.Writable<Row[C]>]
    | (Row[C] extends ReadonlyArray<unknown> ? never
      : NonNullable<Row[C]> extends Numeric ? readonly [C, "<" | "<=" | ">" | ">=", NonNullable<Row[C]>]
      : never)
}[Columns<Row>]

/**
 * One condition of a `where` list: a clause on a column of `Row`, or `true` or `false`
 * (`Operation.always`, `Operation.never`), sent as is. A transaction's list is a conjunction:
 * a row matches when every condition holds, so `[]` and `[true]` match every row.
 *
 * @example
 * ```ts
 * import { Operation, Typed } from "effect-ovsdb"
 * import { ACL, Address_Set } from "effect-ovsdb/models/OVN_Northbound"
 *
 * const drops = Typed.select(ACL, [["priority", ">=", 100], ["action", "==", "drop"]]) // both hold
 * const clear = Typed.delete(Address_Set, [Operation.always]) // every row
 * ```
 *
 * @since 0.1.0
 * @category conditions
 */
export type Condition<Row> = Clause<Row> | boolean

/**
 * A mutation of a column of `Row` (RFC 7047 §5.1 `<mutation>`): `[column, mutator, value]`.
 * Arithmetic applies to integer and real columns (a set's every element), `insert` and `delete`
 * to sets, maps and optional columns (a set of at most one); columns set only on insert take none.
 *
 * @since 0.1.0
 * @category mutations
 */
export type Mutation<Row, Immutable extends string = never> = {
  readonly [C in Exclude<Columns<Row>, Model.ServerColumns | Immutable>]:
    | (Element<Row[C]> extends Numeric ? readonly [C, "+=" | "-=" | "*=" | "/=" | "%=", Element<Row[C]>] : never)
    | (Row[C] extends ReadonlyMap<infer K, infer V> ?
        | readonly [C, "insert", ReadonlyMap<Model.Writable<K>, Model.Writable<V>>]
        | readonly [C, "delete", ReadonlyMap<Model.Writable<K>, Model.Writable<V>> | ReadonlyArray<Model.Writable<K>>]
      : Row[C] extends ReadonlyArray<unknown> ? readonly [C, "insert" | "delete", Model.Writable<Row[C]>]
      : undefined extends Row[C] ?
        readonly [C, "insert" | "delete", Model.Writable<Row[C]> | ReadonlyArray<Model.Writable<NonNullable<Row[C]>>>]
      : never)
}[Exclude<Columns<Row>, Model.ServerColumns | Immutable>]

/**
 * The columns an `insert` may set: any but `_uuid` and `_version`; those left out get their
 * defaults.
 *
 * @since 0.1.0
 * @category rows
 */
export type InsertRow<Row> = { readonly [C in Exclude<Columns<Row>, Model.ServerColumns>]?: Model.Writable<Row[C]> }

/**
 * The columns an `update` may set: any but the server's and those set only on insert.
 *
 * @since 0.1.0
 * @category rows
 */
export type UpdateRow<Row, Immutable extends string = never> = {
  readonly [C in Exclude<Columns<Row>, Model.ServerColumns | Immutable>]?: Model.Writable<Row[C]>
}

/**
 * Result of a typed `insert`: the new row's UUID, typed by its table.
 *
 * @since 0.1.0
 * @category results
 */
export interface InsertResult<Name extends string> {
  readonly uuid: Model.Ref<Name>
}

/**
 * Result of a typed `select`: the rows, with just the columns asked for.
 *
 * @since 0.1.0
 * @category results
 */
export interface SelectResult<Row> {
  readonly rows: ReadonlyArray<Row>
}

/**
 * Any table of a model, whatever its name, row and immutable columns: what the operations here
 * take.
 *
 * @since 0.1.0
 * @category tables
 */
export type AnyTable = Model.Table<string, object, string>

/**
 * The columns of table `T` that are set only on insert (an `update` or `mutate` cannot change
 * them): `never` when it has none.
 *
 * @since 0.1.0
 * @category tables
 */
export type ImmutableOf<T> = T extends Model.Table<string, object, infer I> ? I : never

// --- encoding, through the column codecs ---

const SERVER_COLUMNS: ReadonlySet<string> = new Set(["_uuid", "_version"])

const columnCodec = (table: AnyTable, column: string): Result.Result<ColumnCodec.ColumnCodec, ValueError> => {
  const known = Model.knownTable(table)
  if (Result.isFailure(known)) return Result.fail(known.failure)
  const codec = known.success.codecs[column]
  return codec === undefined ? Result.fail(Model.unknownColumn(table, column)) : Result.succeed(codec)
}

/** `type` with other bounds, for a value that is part of a column's (a condition's, a mutation's). */
const withSize = (type: ColumnType, min: 0 | 1, max: number | "unlimited"): ColumnType => ({ ...type, min, max })

const isScalar = (type: ColumnType) => type.value === undefined && type.min === 1 && type.max === 1

const isNumber = (type: ColumnType) =>
  type.value === undefined && (type.key.type === "integer" || type.key.type === "real")

const encodeWith = (table: AnyTable, column: string, type: ColumnType, value: unknown) =>
  ColumnCodec.make(table.name, column, type).encode(value as Value.Value)

/** RFC 7047 §5.1 `<condition>`: the value's type is the column's, or its atom for the inequalities. */
const encodeClause = (table: AnyTable, [column, fn, value]: readonly [string, string, unknown]) =>
  Result.flatMap(columnCodec(table, column), (codec): Result.Result<Json, ValueError> => {
    const type = codec.type
    const done = (json: Json): Json => [column, fn, json]
    switch (fn) {
      case "==":
      case "!=":
        return Result.map(codec.encode(value as Value.Value), done)
      case "includes":
      case "excludes":
        // ovsdb-server reads these values with the column's type; a set's or map's may be smaller.
        return Result.map(
          isScalar(type)
            ? codec.encode(value as Value.Value)
            : encodeWith(table, column, withSize(type, 0, type.max), value),
          done
        )
      case "<":
      case "<=":
      case ">":
      case ">=":
        return isNumber(type) && type.max === 1
          ? Result.map(encodeWith(table, column, withSize(type, 1, 1), value), done)
          : Result.fail(Model.refusal(table.name, column, "function", fn))
      default:
        return Result.fail(Model.refusal(table.name, column, "function", fn))
    }
  })

/** Neither a clause nor a boolean (a caller the types did not check). */
const notCondition = (table: AnyTable, condition: unknown) =>
  new ValueError({
    table: table.name,
    column: "",
    constraint: "condition",
    value: ColumnCodec.show(condition),
    detail: "a condition is [column, function, value], true or false"
  })

/** A boolean condition (ovsdb-server(7) §4.1.12) goes on the wire as is. */
const encodeConditions = (table: AnyTable, conditions: ReadonlyArray<unknown>) =>
  Result.all(
    conditions.map((condition): Result.Result<Json, ValueError> =>
      typeof condition === "boolean"
        ? Result.succeed(condition)
        : Array.isArray(condition) && condition.length === 3
        ? encodeClause(table, condition as unknown as readonly [string, string, unknown])
        : Result.fail(notCondition(table, condition))
    )
  )

/**
 * RFC 7047 §5.1 `<mutation>`, as ovsdb-server checks it: arithmetic takes one atom of the
 * column's atomic type (the result is checked against the constraints at commit), `%=` integers
 * only; `insert` and `delete` take a set of any size (a map's `delete` also a set of keys).
 */
const encodeMutation = (table: AnyTable, [column, mutator, value]: readonly [string, string, unknown]) =>
  Result.flatMap(columnCodec(table, column), (codec): Result.Result<Json, ValueError> => {
    const type = codec.type
    const done = (json: Json): Json => [column, mutator, json]
    const schema = table.schema!.columns[column]!
    if (SERVER_COLUMNS.has(column)) return Result.fail(Model.refusal(table.name, column, "read-only", value))
    if (!schema.mutable) return Result.fail(Model.refusal(table.name, column, "immutable", value))
    switch (mutator) {
      case "+=":
      case "-=":
      case "*=":
      case "/=":
      case "%=": {
        if (!isNumber(type) || (type.key.type === "real" && mutator === "%=")) {
          return Result.fail(Model.refusal(table.name, column, "mutator", mutator))
        }
        const atom: ColumnType = { key: { type: type.key.type }, min: 1, max: 1 }
        return Result.map(encodeWith(table, column, atom, value), done)
      }
      case "insert":
      case "delete": {
        if (isScalar(type)) return Result.fail(Model.refusal(table.name, column, "mutator", mutator))
        const anySize = withSize(type, 0, "unlimited")
        const keys: ColumnType = { key: type.key, min: 0, max: "unlimited" }
        const asKeys = mutator === "delete" && type.value !== undefined && !(value instanceof Map)
        return Result.map(encodeWith(table, column, asKeys ? keys : anySize, value), done)
      }
      default:
        return Result.fail(Model.refusal(table.name, column, "mutator", mutator))
    }
  })

const rowRule = (immutable: boolean) => (column: ColumnSchema) =>
  SERVER_COLUMNS.has(column.name) ? "read-only" : immutable && !column.mutable ? "immutable" : undefined

const decodeRows = (table: AnyTable) => (json: Json): Result.Result<SelectResult<Model.AnyRow>, string> =>
  Result.flatMap(Operation.rowsResult(json), ({ rows }) => {
    const decoded: Array<Model.AnyRow> = []
    for (const row of rows) {
      const one = Model.decodeRow(table, row as Model.JsonRow)
      if (Result.isFailure(one)) return Result.fail(one.failure)
      decoded.push(one.success)
    }
    return Result.succeed({ rows: decoded })
  })

/** The operation, or one carrying the first refusal found. */
const build = <R>(
  op: string,
  table: AnyTable,
  parts: Result.Result<{ readonly [key: string]: Json }, ValueError>,
  decode: (json: Json) => Result.Result<R, string>
): Operation.Operation<R> =>
  Result.match(Result.andThen(Model.knownTable(table), parts), {
    onSuccess: (fields) => Operation.make(op, fields, decode),
    onFailure: (problem) => Operation.make(op, {}, decode, problem)
  })

const whereOf = (table: AnyTable, conditions: ReadonlyArray<unknown>) => encodeConditions(table, conditions)

/**
 * Typed conditions as the untyped `Operation.Condition`s a monitor's `where` takes, each value
 * checked against its column as in a transaction.
 *
 * @example
 * ```ts
 * import { Typed } from "effect-ovsdb"
 * import { Logical_Switch } from "effect-ovsdb/models/OVN_Northbound"
 *
 * const where = Typed.conditions(Logical_Switch, [["name", "==", "ls0"]])
 * // Result<ReadonlyArray<Operation.Condition>, ValueError>
 * ```
 *
 * @since 0.1.0
 * @category conditions
 */
export const conditions = <T extends AnyTable>(
  table: T,
  where: ReadonlyArray<Condition<Model.RowOf<T>>>
): Result.Result<ReadonlyArray<Operation.Condition>, ValueError> =>
  Result.map(encodeConditions(table, where), (encoded) =>
    encoded.map((json): Operation.Condition => {
      if (typeof json === "boolean") return json
      const [column, fn, value] = json as readonly [string, Operation.ConditionFunction, Json]
      // Encoded by the column's codec just now: it decodes.
      return { column, function: fn, value: Value.decode(value)! }
    }))

const checkColumns = (table: AnyTable, columns: ReadonlyArray<string>) =>
  Result.flatMap(Model.knownTable(table), (known) => {
    const unknown = columns.find((column) => known.codecs[column] === undefined)
    return unknown === undefined ? Result.succeed(columns) : Result.fail(Model.unknownColumn(table, unknown))
  })

// --- the operations (RFC 7047 §5.2) ---

/**
 * Options of `insert`.
 *
 * @since 0.1.0
 * @category operations
 */
export interface InsertOptions<Name extends string> {
  /** Names the new row, so later operations of the transaction can refer to it (`Model.named`). */
  readonly uuidName?: string | Model.Named<Name> | undefined
  /** Gives the row this UUID instead of a random one (an Open vSwitch extension). */
  readonly uuid?: Value.Uuid | undefined
}

/**
 * §5.2.1 insert: adds a row; its result is the new row's UUID, typed by the table.
 *
 * @since 0.1.0
 * @category operations
 */
export const insert = <T extends AnyTable>(
  table: T,
  row: InsertRow<Model.RowOf<T>>,
  options?: InsertOptions<T["name"]>
): Operation.Operation<InsertResult<T["name"]>> => {
  const uuidName = options?.uuidName
  return build(
    "insert",
    table,
    Result.map(Model.encodeRow(table, row, rowRule(false)), (json) => ({
      table: table.name,
      row: json,
      ...(uuidName === undefined ? {} : { "uuid-name": typeof uuidName === "string" ? uuidName : uuidName.name }),
      ...(options?.uuid === undefined ? {} : { uuid: options.uuid.value })
    })),
    Operation.insertResult as (json: Json) => Result.Result<InsertResult<T["name"]>, string>
  )
}

/**
 * §5.2.2 select: the rows matching every condition. With a list of columns, the rows have just
 * those columns, and their type says so; without, every column of the model (a newer server's
 * extra columns are not asked for).
 *
 * @example
 * ```ts
 * import { Typed } from "effect-ovsdb"
 * import { Logical_Switch } from "effect-ovsdb/models/OVN_Northbound"
 *
 * const ls0 = Typed.select(Logical_Switch, [["name", "==", "ls0"]], ["_uuid", "ports"])
 * // Operation<{ rows: ReadonlyArray<{ _uuid: Ref<"Logical_Switch">; ports: ReadonlyArray<Ref<"Logical_Switch_Port">> }> }>
 * ```
 *
 * @since 0.1.0
 * @category operations
 */
export const select: {
  <T extends AnyTable>(
    table: T,
    where?: ReadonlyArray<Condition<Model.RowOf<T>>>
  ): Operation.Operation<SelectResult<Model.RowOf<T>>>
  <T extends AnyTable, const C extends ReadonlyArray<Columns<Model.RowOf<T>>>>(
    table: T,
    where: ReadonlyArray<Condition<Model.RowOf<T>>>,
    columns: C
  ): Operation.Operation<SelectResult<Pick<Model.RowOf<T>, C[number]>>>
} = (table: AnyTable, where: ReadonlyArray<unknown> = [], columns?: ReadonlyArray<string>) =>
  build(
    "select",
    table,
    Result.flatMap(
      whereOf(table, where),
      (json) =>
        // Without a list, the model's columns: a newer server's extra columns stay out of the rows.
        Result.map(checkColumns(table, columns ?? []), () => ({
          table: table.name,
          where: json,
          columns: columns ?? Object.keys(table.codecs)
        }))
    ),
    decodeRows(table)
  ) as never

/**
 * §5.2.3 update: sets columns of the matching rows; columns set only on insert are refused.
 *
 * @since 0.1.0
 * @category operations
 */
export const update = <T extends AnyTable>(
  table: T,
  where: ReadonlyArray<Condition<Model.RowOf<T>>>,
  row: UpdateRow<Model.RowOf<T>, ImmutableOf<T>>
): Operation.Operation<Operation.CountResult> =>
  build(
    "update",
    table,
    Result.flatMap(
      whereOf(table, where),
      (json) =>
        Result.map(Model.encodeRow(table, row, rowRule(true)), (encoded) => ({
          table: table.name,
          where: json,
          row: encoded
        }))
    ),
    Operation.countResult
  )

/**
 * §5.2.4 mutate: applies mutations to the matching rows.
 *
 * @example
 * ```ts
 * import type { Model } from "effect-ovsdb"
 * import { Typed } from "effect-ovsdb"
 * import { Logical_Switch } from "effect-ovsdb/models/OVN_Northbound"
 *
 * // Adds a port to ls0 and removes its "owner" external id.
 * const adopt = (port: Model.Ref<"Logical_Switch_Port">) =>
 *   Typed.mutate(Logical_Switch, [["name", "==", "ls0"]], [
 *     ["ports", "insert", [port]],
 *     ["external_ids", "delete", ["owner"]]
 *   ])
 * ```
 *
 * @since 0.1.0
 * @category operations
 */
export const mutate = <T extends AnyTable>(
  table: T,
  where: ReadonlyArray<Condition<Model.RowOf<T>>>,
  mutations: ReadonlyArray<Mutation<Model.RowOf<T>, ImmutableOf<T>>>
): Operation.Operation<Operation.CountResult> =>
  build(
    "mutate",
    table,
    Result.flatMap(whereOf(table, where), (json) =>
      Result.map(
        Result.all(
          (mutations as ReadonlyArray<readonly [string, string, unknown]>).map((m) => encodeMutation(table, m))
        ),
        (encoded) => ({ table: table.name, where: json, mutations: encoded })
      )),
    Operation.countResult
  )

/**
 * §5.2.5 delete: removes the matching rows.
 *
 * @since 0.1.0
 * @category operations
 */
export const delete_ = <T extends AnyTable>(
  table: T,
  where: ReadonlyArray<Condition<Model.RowOf<T>>>
): Operation.Operation<Operation.CountResult> =>
  build(
    "delete",
    table,
    Result.map(whereOf(table, where), (json) => ({ table: table.name, where: json })),
    Operation.countResult
  )

export {
  /**
   * §5.2.5 delete (exported as `delete`).
   *
   * @since 0.1.0
   * @category operations
   */
  delete_ as delete
}

/**
 * §5.2.6 wait: blocks the transaction until the matching rows' `columns` equal (`"=="`) or differ
 * from (`"!="`) `rows`, or fails with `"timed out"` after `timeout` milliseconds.
 *
 * @since 0.1.0
 * @category operations
 */
export const wait = <T extends AnyTable, const C extends ReadonlyArray<Columns<Model.RowOf<T>>>>(
  table: T,
  where: ReadonlyArray<Condition<Model.RowOf<T>>>,
  columns: C,
  until: "==" | "!=",
  rows: ReadonlyArray<{ readonly [K in C[number]]: Model.Writable<Model.RowOf<T>[K]> }>,
  options?: Operation.WaitOptions
): Operation.Operation<Operation.EmptyResult> =>
  build(
    "wait",
    table,
    Result.flatMap(whereOf(table, where), (json) =>
      Result.flatMap(checkColumns(table, columns), () =>
        Result.map(
          Result.all(rows.map((row) => Model.encodeRow(table, row))),
          (encoded) => ({
            table: table.name,
            where: json,
            columns,
            until,
            rows: encoded,
            ...(options?.timeout === undefined ? {} : { timeout: options.timeout })
          })
        ))),
    Operation.emptyResult
  )

// --- monitors (RFC 7047 §4.1.5, ovsdb-server(7) §4.1.12, §4.1.15) ---

/**
 * The columns a typed monitor may watch: any but `_uuid` (every row has it) and `_version`.
 *
 * @example
 * ```ts
 * import type { Typed } from "effect-ovsdb"
 * import type * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * const column: Typed.MonitorColumns<Nb.Logical_Switch> = "ports" // "name" | "ports" | "acls" | …
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export type MonitorColumns<Row> = Exclude<Columns<Row>, Model.ServerColumns>

/**
 * What a typed `monitor` watches of one table: some columns (all the model's when absent). A
 * typed monitor keeps its rows, to give each modification its old row, so it follows every kind
 * of change (no `select`); `monitor` (RFC 7047 §4.1.5) takes no conditions: `monitorCond` does.
 *
 * @example
 * ```ts
 * import type { Typed } from "effect-ovsdb"
 * import type * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * const choice: Typed.MonitorChoice<typeof Nb.database.tables> = {
 *   Logical_Switch: { columns: ["name", "ports"] },
 *   ACL: true // every column
 * }
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export interface MonitorTable<Row> {
  /** The columns to watch; all the model's when absent. */
  readonly columns?: ReadonlyArray<MonitorColumns<Row>>
  /** Only `monitorCond` and `monitorCondSince` take conditions. */
  readonly where?: never
}

/**
 * What a typed `monitorCond` or `monitorCondSince` watches of one table: some columns (all the
 * model's when absent), and the rows meeting ANY of `where` (a disjunction, ovsdb-server(7)
 * §4.1.12; every row when absent), typed as in a transaction.
 *
 * @example
 * ```ts
 * import type { Typed } from "effect-ovsdb"
 * import type * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * const choice: Typed.MonitorCondChoice<typeof Nb.database.tables> = {
 *   // the ports of either type
 *   Logical_Switch_Port: { columns: ["name", "up"], where: [["type", "==", ""], ["type", "==", "router"]] }
 * }
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export interface MonitorCondTable<Row> {
  /** The columns to watch; all the model's when absent. */
  readonly columns?: ReadonlyArray<MonitorColumns<Row>>
  /** The rows to watch: those meeting any of the conditions; every row when absent. */
  readonly where?: ReadonlyArray<Condition<Row>>
}

/**
 * The tables a typed `monitor` watches, each `true` (every column) or its options.
 *
 * @example
 * ```ts
 * import type { Typed } from "effect-ovsdb"
 * import type * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * const choice: Typed.MonitorChoice<typeof Nb.database.tables> = { Logical_Switch: true, ACL: { columns: ["match"] } }
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export type MonitorChoice<Tables> = {
  readonly [N in keyof Tables]?: true | MonitorTable<Model.RowOf<Tables[N]>>
}

/**
 * The tables a typed `monitorCond` or `monitorCondSince` watches, each `true` (every column and
 * row) or its options.
 *
 * @example
 * ```ts
 * import type { Typed } from "effect-ovsdb"
 * import type * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * const choice: Typed.MonitorCondChoice<typeof Nb.database.tables> = {
 *   ACL: { columns: ["priority", "match"], where: [["priority", ">=", 1000]] }
 * }
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export type MonitorCondChoice<Tables> = {
  readonly [N in keyof Tables]?: true | MonitorCondTable<Model.RowOf<Tables[N]>>
}

/**
 * The rows a typed monitor gives, by table: the columns watched and `_uuid`, as the model types
 * them (without a list of columns, every column but `_version`).
 *
 * @example
 * ```ts
 * import type { Typed } from "effect-ovsdb"
 * import type * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * type Rows = Typed.MonitorRows<typeof Nb.database.tables, { Logical_Switch: { columns: ["name"] } }>
 * // { Logical_Switch: { _uuid: Model.Ref<"Logical_Switch">; name: string } }
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export type MonitorRows<Tables, C> = {
  readonly [N in keyof C & keyof Tables & string]: C[N] extends { readonly columns: ReadonlyArray<infer K> }
    ? Pick<Model.RowOf<Tables[N]>, Extract<K | "_uuid", keyof Model.RowOf<Tables[N]>>>
    : Omit<Model.RowOf<Tables[N]>, "_version">
}

/**
 * A typed monitor's rows at one moment: each watched table's rows by UUID text (`uuid.value`),
 * every watched table present (empty when it has none).
 *
 * @example
 * ```ts
 * import type { Typed } from "effect-ovsdb"
 * import type * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * type Rows = Typed.MonitorRows<typeof Nb.database.tables, { Logical_Switch: { columns: ["name"] } }>
 * const names = (contents: Typed.MonitorContents<Rows>) => [...contents.Logical_Switch.values()].map((sw) => sw.name)
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export type MonitorContents<R> = { readonly [N in keyof R]: ReadonlyMap<string, R[N]> }

/**
 * One change of one row, typed by its table, with whole rows: an insert with its row (the
 * columns a version 2 or 3 insert leaves out hold their defaults), a modification with its old
 * and new rows and the columns whose value changed, a deletion with the row it removed.
 *
 * @example
 * ```ts
 * import type { Typed } from "effect-ovsdb"
 * import type * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * type Rows = Typed.MonitorRows<typeof Nb.database.tables, { Logical_Switch: { columns: ["name"] } }>
 * const show = (change: Typed.MonitorChange<Rows>): string =>
 *   change._tag === "Insert"
 *     ? `+ ${change.row.name}`
 *     : change._tag === "Modify"
 *     ? `${change.old.name} -> ${change.row.name}`
 *     : `- ${change.old.name}`
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export type MonitorChange<R> = {
  readonly [N in keyof R & string]:
    | { readonly _tag: "Insert"; readonly table: N; readonly uuid: Model.Ref<N>; readonly row: R[N] }
    | {
      readonly _tag: "Modify"
      readonly table: N
      readonly uuid: Model.Ref<N>
      readonly old: R[N]
      readonly row: R[N]
      readonly columns: ReadonlyArray<Exclude<keyof R[N] & string, "_uuid">>
    }
    | { readonly _tag: "Delete"; readonly table: N; readonly uuid: Model.Ref<N>; readonly old: R[N] }
}[keyof R & string]

/**
 * What a typed monitor streams: each update's changes (with its transaction id, for a
 * `monitor_cond_since` on the wire), and (over `Ovsdb.layer`, a session's monitor) a `Reset`
 * whose `rows` replace the contents as a whole: drop what the monitor showed and take these.
 *
 * @example
 * ```ts
 * import type { Typed } from "effect-ovsdb"
 * import type * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * type Rows = Typed.MonitorRows<typeof Nb.database.tables, { Logical_Switch: { columns: ["name"] } }>
 * // The rows after an event, kept by the caller: a reset's rows, or an update's changes applied.
 * const next = (rows: ReadonlyMap<string, Rows["Logical_Switch"]>, event: Typed.MonitorEvent<Rows>) => {
 *   if (event._tag === "Reset") return event.rows.Logical_Switch
 *   const after = new Map(rows)
 *   for (const change of event.changes) {
 *     if (change._tag === "Delete") after.delete(change.uuid.value)
 *     else after.set(change.uuid.value, change.row)
 *   }
 *   return after
 * }
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export type MonitorEvent<R> =
  | { readonly _tag: "Update"; readonly changes: ReadonlyArray<MonitorChange<R>>; readonly lastTxnId?: string }
  | {
    readonly _tag: "Reset"
    readonly rows: MonitorContents<R>
    /** Why the contents were read again. */
    readonly reason: string
    readonly lastTxnId?: string
  }

/**
 * What a typed monitor's stream can fail with: the untyped monitor's errors, a `RowDecodeError`
 * for a value the model cannot hold, and a `ProtocolError` for a change that does not fit the
 * rows (an insert of a row it has, a change of one it lacks).
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import * as Stream from "effect/Stream"
 * import type { Typed } from "effect-ovsdb"
 *
 * const drain = <R>(live: Typed.LiveMonitor<R>) =>
 *   Stream.runDrain(live.updates).pipe(
 *     Effect.catchTag("RowDecodeError", (error) => Effect.logError(`the model does not fit: ${error.message}`))
 *   )
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export type MonitorStreamError = MonitorCanceled | ConnectionClosed | ProtocolError | RowDecodeError

/**
 * A live typed monitor: its id, its initial rows by table, and the stream of later changes
 * (single consumer). The rows a `MonitorContents` holds never change: later changes make new maps.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import * as Stream from "effect/Stream"
 * import { Ovsdb, Typed } from "effect-ovsdb"
 * import * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * const firstEvent = Effect.scoped(Effect.gen(function*() {
 *   const ovsdb = yield* Ovsdb.Ovsdb
 *   const live = yield* Typed.monitor(ovsdb, Nb.database, { NB_Global: { columns: ["nb_cfg"] } })
 *   return yield* Stream.runHead(live.updates) // Option of the first Update or Reset
 * }))
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export interface LiveMonitor<R> {
  /** The monitor's id (that of the untyped monitor underneath). */
  readonly id: string
  /** The rows that matched when the monitor started, by table. */
  readonly initial: MonitorContents<R>
  /** Every later change, typed, in order; the first the model cannot read fails it. Single consumer. */
  readonly updates: Stream.Stream<MonitorEvent<R>, MonitorStreamError>
}

/**
 * New conditions for some of a monitor's tables (`monitor_cond_change`, ovsdb-server(7) §4.1.13),
 * typed as the table's `where`.
 *
 * @example
 * ```ts
 * import type { Typed } from "effect-ovsdb"
 * import type * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * type Rows = Typed.MonitorRows<typeof Nb.database.tables, { Logical_Switch: { columns: ["name"] } }>
 * const conditions: Typed.MonitorConditions<typeof Nb.database.tables, Rows> = {
 *   Logical_Switch: { where: [["external_ids", "includes", new Map([["owner", "me"]])]] }
 * }
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export type MonitorConditions<Tables, R> = {
  readonly [N in keyof R & keyof Tables]?: { readonly where: ReadonlyArray<Condition<Model.RowOf<Tables[N]>>> }
}

/**
 * A live typed `monitorCond` or `monitorCondSince` monitor, whose conditions can change: rows that
 * leave come as deletions, rows that enter as inserts.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Ovsdb, Typed } from "effect-ovsdb"
 * import * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * const narrow = Effect.scoped(Effect.gen(function*() {
 *   const ovsdb = yield* Ovsdb.Ovsdb
 *   const live = yield* Typed.monitorCond(ovsdb, Nb.database, { Logical_Switch: { columns: ["name"] } })
 *   yield* live.change({ Logical_Switch: { where: [["name", "==", "ls0"]] } }) // the others come as deletions
 * }))
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export interface ConditionalMonitor<Tables, R> extends LiveMonitor<R> {
  /** Replaces the conditions of some tables (the others keep theirs); a value its column refuses is a `ValueError`. */
  readonly change: (tables: MonitorConditions<Tables, R>) => Effect.Effect<void, CallError | ValueError>
}

/**
 * Where a typed `monitorCondSince` resumes: the last transaction id of an earlier monitor of the
 * same choice, and the rows it had then (its `initial` with its changes applied, or its last
 * `Reset`'s).
 *
 * @example
 * ```ts
 * import type { Typed } from "effect-ovsdb"
 * import type * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * type Rows = Typed.MonitorRows<typeof Nb.database.tables, { Logical_Switch: { columns: ["name"] } }>
 * const from = (lastTxnId: string, rows: Typed.MonitorContents<Rows>): Typed.MonitorResume<Rows> => ({ lastTxnId, rows })
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export interface MonitorResume<R> {
  /** The id of the last transaction `rows` include. */
  readonly lastTxnId: string
  /** The rows the earlier monitor had after that transaction. */
  readonly rows: MonitorContents<R>
}

/**
 * A live typed `monitorCondSince` monitor. Resumed (`found`), its `initial` is the rows it was
 * given with the changes missed applied, and `missed` those changes; otherwise `initial` is the
 * whole contents read afresh (drop the rows given) and `missed` is empty.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Ovsdb, Typed } from "effect-ovsdb"
 * import * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * const resumed = (from: Typed.MonitorResume<Typed.MonitorRows<typeof Nb.database.tables, { Logical_Switch: true }>>) =>
 *   Effect.scoped(Effect.gen(function*() {
 *     const ovsdb = yield* Ovsdb.Ovsdb
 *     const live = yield* Typed.monitorCondSince(ovsdb, Nb.database, { Logical_Switch: true }, from)
 *     return live.found ? live.missed.length : undefined // undefined: read afresh, drop the old rows
 *   }))
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export interface MonitorSince<Tables, R> extends ConditionalMonitor<Tables, R> {
  /** Whether the server still had the changes since the `lastTxnId` resumed from. */
  readonly found: boolean
  /** The id of the last transaction `initial` includes. */
  readonly lastTxnId: string
  /** Resumed, the changes made since the `lastTxnId` resumed from; otherwise none. */
  readonly missed: ReadonlyArray<MonitorChange<R>>
}

type AnyChoice = { readonly [name: string]: true | MonitorCondTable<object> | undefined }

const tableOf = (database: Model.Database<unknown>, name: string): AnyTable =>
  (database.tables as { readonly [name: string]: AnyTable | undefined })[name] ?? database.table(name)

/**
 * The untyped requests of a choice, and the rows that will read its updates: a table or column the
 * model lacks, or a condition value its column refuses, is a `ValueError` before anything is sent.
 */
const prepare = (
  database: Model.Database<unknown>,
  choice: AnyChoice,
  method: "monitor" | "monitor_cond" | "monitor_cond_since"
): Result.Result<{ readonly requests: Monitor.Requests; readonly rows: TypedMonitors.Rows }, ValueError> => {
  const requests: { [table: string]: Monitor.TableRequest } = {}
  const specs: { [table: string]: TypedMonitors.TableSpec } = {}
  for (const [name, options] of Object.entries(choice)) {
    if (options === undefined) continue
    const table = tableOf(database, name)
    const known = Model.knownTable(table)
    if (Result.isFailure(known)) return Result.fail(known.failure)
    const columns = options === true || options.columns === undefined
      ? Object.keys(known.success.codecs).filter((column) => !SERVER_COLUMNS.has(column))
      : (options.columns as ReadonlyArray<string>).filter((column) => column !== "_uuid") // every row has it
    const checked = checkColumns(table, columns)
    if (Result.isFailure(checked)) return Result.fail(checked.failure)
    specs[name] = Object.fromEntries(columns.map((column) => [column, known.success.codecs[column]!]))
    const where = method === "monitor" || options === true || options.where === undefined
      ? undefined
      : conditions(table, options.where as ReadonlyArray<Condition<object>>)
    if (where !== undefined && Result.isFailure(where)) return Result.fail(where.failure)
    requests[name] = where === undefined ? { columns } : { columns, where: where.success }
  }
  return Result.succeed({ requests, rows: new TypedMonitors.Rows(database.name, method, specs) })
}

/** Typed conditions for `monitor_cond_change`, each checked against its column. */
const changer = (database: Model.Database<unknown>, change: AnyConditionalMonitor["change"]) =>
(
  tables: { readonly [table: string]: { readonly where: ReadonlyArray<unknown> } | undefined }
): Effect.Effect<void, CallError | ValueError> => {
  const requests: { [table: string]: { readonly where: ReadonlyArray<Operation.Condition> } } = {}
  for (const [name, options] of Object.entries(tables)) {
    if (options === undefined) continue
    const where = conditions(tableOf(database, name), options.where as ReadonlyArray<Condition<object>>)
    if (Result.isFailure(where)) return Effect.fail(where.failure)
    requests[name] = { where: where.success }
  }
  return change(requests)
}

/** The initial rows read into `rows`, then the typed monitor over the untyped one. */
const typedLive = (rows: TypedMonitors.Rows, live: AnyLiveMonitor) =>
  Effect.map(Effect.fromResult(rows.load(live.initial)), () => ({
    id: live.id,
    initial: rows.contents(),
    updates: TypedMonitors.follow(rows, live.updates)
  }))

/**
 * RFC 7047 §4.1.5 monitor over a model's tables (`ovsdb.monitor`), typed: `initial` holds each
 * watched table's rows by UUID text, and `updates` each change with whole rows, typed by their
 * table and narrowed to the columns asked for, as `select` narrows its rows. Every value is
 * checked with the model's column codecs: one the model cannot hold (a server whose schema differs)
 * fails the monitor, or its stream, with a `RowDecodeError`. A table or column the model lacks is
 * a compile error (and, for a model known at run time, a `ValueError`, with nothing sent).
 * Closing the scope cancels the monitor.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import * as Stream from "effect/Stream"
 * import { Ovsdb, Typed } from "effect-ovsdb"
 * import * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * const watch = Effect.scoped(Effect.gen(function*() {
 *   const ovsdb = yield* Ovsdb.Ovsdb
 *   const live = yield* Typed.monitor(ovsdb, Nb.database, { Logical_Switch: { columns: ["name", "ports"] } })
 *   for (const sw of live.initial.Logical_Switch.values()) yield* Effect.log(sw.name, sw.ports.length)
 *   yield* live.updates.pipe(Stream.runForEach((event) =>
 *     Effect.forEach(event._tag === "Update" ? event.changes : [], (change) =>
 *       change._tag === "Modify" ? Effect.log(change.old.name, "->", change.row.name) : Effect.void)
 *   ))
 * }))
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export const monitor = <
  Tables extends { readonly [name: string]: AnyTable },
  const C extends MonitorChoice<Tables>
>(
  ovsdb: Ovsdb["Service"],
  database: Model.Database<Tables>,
  choice: C & { readonly [N in Exclude<keyof C, keyof Tables>]: never }
): Effect.Effect<LiveMonitor<MonitorRows<Tables, C>>, CallError | ValueError | RowDecodeError, Scope.Scope> =>
  Effect.gen(function*() {
    const { requests, rows } = yield* Effect.fromResult(prepare(database, choice as AnyChoice, "monitor"))
    const live = yield* ovsdb.monitor(database.name, requests)
    return (yield* typedLive(rows, live)) as unknown as LiveMonitor<MonitorRows<Tables, C>>
  })

/**
 * ovsdb-server(7) §4.1.12 monitor_cond over a model's tables (`ovsdb.monitorCond`), typed as
 * `monitor` is, with typed conditions: each table's `where`, and `change` to replace them.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Ovsdb, Typed } from "effect-ovsdb"
 * import * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const ovsdb = yield* Ovsdb.Ovsdb
 *   const live = yield* Typed.monitorCond(ovsdb, Nb.database, {
 *     Logical_Switch: { columns: ["name"], where: [["name", "==", "ls0"]] }
 *   })
 *   yield* live.change({ Logical_Switch: { where: [["name", "==", "ls1"]] } }) // ls0 leaves, ls1 enters
 * }))
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export const monitorCond = <
  Tables extends { readonly [name: string]: AnyTable },
  const C extends MonitorCondChoice<Tables>
>(
  ovsdb: Ovsdb["Service"],
  database: Model.Database<Tables>,
  choice: C & { readonly [N in Exclude<keyof C, keyof Tables>]: never }
): Effect.Effect<
  ConditionalMonitor<Tables, MonitorRows<Tables, C>>,
  CallError | ValueError | RowDecodeError,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const { requests, rows } = yield* Effect.fromResult(prepare(database, choice as AnyChoice, "monitor_cond"))
    const live = yield* ovsdb.monitorCond(database.name, requests)
    const typed = yield* typedLive(rows, live)
    return { ...typed, change: changer(database, live.change) } as unknown as ConditionalMonitor<
      Tables,
      MonitorRows<Tables, C>
    >
  })

/**
 * ovsdb-server(7) §4.1.15 monitor_cond_since over a model's tables (`ovsdb.monitorCondSince`),
 * typed as `monitorCond` is. Given where an earlier monitor stopped (`resume`: its last
 * transaction id and its rows), it resumes when the server still has the changes since
 * (`found`): they come typed in `missed`, applied to the rows given to make `initial`. Otherwise,
 * or without `resume`, `initial` is the whole contents.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Ovsdb, Typed } from "effect-ovsdb"
 * import * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * const choice = { Logical_Switch: { columns: ["name"] } } as const
 * const watch = (from?: Typed.MonitorResume<Typed.MonitorRows<typeof Nb.database.tables, typeof choice>>) =>
 *   Effect.scoped(Effect.gen(function*() {
 *     const ovsdb = yield* Ovsdb.Ovsdb
 *     const live = yield* Typed.monitorCondSince(ovsdb, Nb.database, choice, from)
 *     if (live.found) yield* Effect.log(`${live.missed.length} changes missed`)
 *     // Where a later monitor resumes, if no change comes before this one ends:
 *     return { lastTxnId: live.lastTxnId, rows: live.initial }
 *   }))
 * ```
 *
 * @since 0.1.0
 * @category monitors
 */
export const monitorCondSince = <
  Tables extends { readonly [name: string]: AnyTable },
  const C extends MonitorCondChoice<Tables>
>(
  ovsdb: Ovsdb["Service"],
  database: Model.Database<Tables>,
  choice: C & { readonly [N in Exclude<keyof C, keyof Tables>]: never },
  resume?: MonitorResume<MonitorRows<Tables, NoInfer<C>>>
): Effect.Effect<
  MonitorSince<Tables, MonitorRows<Tables, C>>,
  CallError | ValueError | RowDecodeError,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const { requests, rows } = yield* Effect.fromResult(prepare(database, choice as AnyChoice, "monitor_cond_since"))
    const live = yield* ovsdb.monitorCondSince(database.name, requests, resume?.lastTxnId)
    let missed: ReadonlyArray<TypedMonitors.Change> = []
    if (live.found) {
      if (resume === undefined) {
        return yield* new ProtocolError({
          method: "monitor_cond_since",
          detail: "the server resumed a monitor asked for with no transaction id"
        })
      }
      rows.restore(resume.rows as TypedMonitors.Contents)
      missed = yield* Effect.fromResult(rows.apply(live.initial))
    } else {
      yield* Effect.fromResult(rows.load(live.initial))
    }
    return {
      id: live.id,
      initial: rows.contents(),
      updates: TypedMonitors.follow(rows, live.updates),
      change: changer(database, live.change),
      found: live.found,
      lastTxnId: live.lastTxnId,
      missed
    } as unknown as MonitorSince<Tables, MonitorRows<Tables, C>>
  })
