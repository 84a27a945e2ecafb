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
 * import { Model, Ovsdb, Typed } from "effect-ovsdb"
 * import { Logical_Switch, Logical_Switch_Port } from "effect-ovsdb/models/OVN_Northbound"
 *
 * const port = Model.named(Logical_Switch_Port, "port")
 * const [, sw] = yield* ovsdb.transact(
 *   "OVN_Northbound",
 *   Typed.insert(Logical_Switch_Port, { name: "lsp0", addresses: ["dynamic"] }, { uuidName: port }),
 *   Typed.insert(Logical_Switch, { name: "ls0", ports: [port] })
 * )
 * const { rows } = (yield* ovsdb.transact("OVN_Northbound", Typed.select(Logical_Switch, [["name", "==", "ls0"]], ["ports"])))[0]
 * ```
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import { ValueError } from "./Errors.js"
import type { Json } from "./Json.js"
import * as Model from "./Model.js"
import * as ColumnCodec from "./protocol/ColumnCodec.js"
import type { ColumnSchema, ColumnType } from "./protocol/DatabaseSchema.js"
import * as Operation from "./protocol/Operation.js"
import * as Value from "./protocol/Value.js"

type Columns<Row> = keyof Row & string

type Numeric = number | bigint

/** The atom of a scalar, optional or set column. */
type Element<V> = V extends ReadonlyArray<infer A> ? A
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
 * Typed.select(ACL, [["priority", ">=", 100], ["action", "==", "drop"]]) // both hold
 * Typed.delete(Address_Set, [Operation.always]) // every row
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

type AnyTable = Model.Table<string, object, string>

type ImmutableOf<T> = T extends Model.Table<string, object, infer I> ? I : never

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
 * const where = Typed.conditions(Logical_Switch, [["name", "==", "ls0"]]) // Result<ReadonlyArray<Operation.Condition>, ValueError>
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
 * Typed.select(Logical_Switch, [["name", "==", "ls0"]], ["_uuid", "ports"])
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
 * Typed.mutate(Logical_Switch, [["name", "==", "ls0"]], [["ports", "insert", [port]], ["external_ids", "delete", ["owner"]]])
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
