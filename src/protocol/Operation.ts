/**
 * The ten transaction operations of RFC 7047 §5.2, their conditions and mutations, and the typed
 * result of each.
 *
 * An `Operation<R>` is the wire form of one operation plus the decoder of its result `R`, so that
 * `Ovsdb.transact(db, insert(…), select(…))` returns `[{ uuid }, { rows }]` typed per position.
 *
 * ```ts
 * import { Operation as Op, Value } from "effect-ovsdb"
 *
 * Op.insert("Logical_Switch", { name: "ls0" }, { uuidName: "ls" })
 * Op.mutate("Logical_Switch", [Op.where("name", "==", "ls0")], [Op.mutation("ports", "insert", [Value.namedUuid("p")])])
 * Op.select("Logical_Switch", [Op.where("name", "==", "ls0")], ["name", "ports"])
 * Op.update("Logical_Switch", [Op.always], { other_config: new Map() }) // every row
 * ```
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { ValueError } from "../Errors.js"
import { type Json, show as showJson } from "../Json.js"
import * as Value from "./Value.js"

/**
 * One operation: its wire form, and how to read its result.
 *
 * @since 0.1.0
 * @category models
 */
export interface Operation<out R> {
  /** The operation's name (`"insert"`, `"select"`, …). */
  readonly op: string
  /** The JSON object sent in the `transact` params. */
  readonly json: { readonly [key: string]: Json }
  /** Reads this operation's entry of the transact reply; `Failure` carries what was wrong. */
  readonly decode: (json: Json) => Result.Result<R, string>
  /**
   * Set when a value broke its column's type while the operation was built (operations built from
   * a model check values): `Ovsdb.transact` then fails with it and sends nothing.
   */
  readonly problem?: ValueError | undefined
}

/**
 * Any operation.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Operation<unknown>

/**
 * The results of a list of operations, position by position.
 *
 * @since 0.1.0
 * @category models
 */
export type Results<Ops extends ReadonlyArray<Any>> = {
  readonly [K in keyof Ops]: Ops[K] extends Operation<infer R> ? R : never
}

/**
 * Result of `insert`: the new row's UUID.
 *
 * @since 0.1.0
 * @category results
 */
export interface InsertResult {
  readonly uuid: Value.Uuid
}

/**
 * Result of `select`: the matching rows, with the requested columns.
 *
 * @since 0.1.0
 * @category results
 */
export interface SelectResult {
  readonly rows: ReadonlyArray<Value.Row>
}

/**
 * Result of `update`, `mutate` and `delete`: how many rows matched.
 *
 * @since 0.1.0
 * @category results
 */
export interface CountResult {
  readonly count: number
}

/**
 * Result of the operations that return nothing (`wait`, `commit`, `abort`, `comment`, `assert`).
 *
 * @since 0.1.0
 * @category results
 */
export type EmptyResult = { readonly [key: string]: never }

// --- conditions and mutations (RFC 7047 §5.1 <condition>, <mutation>) ---

/**
 * A condition's function (RFC 7047 §5.1 <function>).
 *
 * @since 0.1.0
 * @category conditions
 */
export type ConditionFunction = "<" | "<=" | "==" | "!=" | ">=" | ">" | "includes" | "excludes"

/**
 * A clause: `[column, function, value]` (RFC 7047 §5.1 <condition>), built with `where`.
 *
 * @since 0.1.0
 * @category conditions
 */
export interface Clause {
  readonly column: string
  readonly function: ConditionFunction
  readonly value: Value.Value
}

/**
 * One condition of a `where` list: a clause, or a boolean, sent as a bare `true` or `false` (an
 * Open vSwitch extension, ovsdb-server(7) §4.1.12, that ovsdb-server also takes in transactions).
 *
 * How a list combines its conditions depends on where it is used:
 *
 * - in `select`, `update`, `mutate`, `delete` and `wait`, a row matches when every condition holds
 *   (a conjunction): `[]` and `[always]` match every row, and `never` anywhere matches none;
 * - in a monitor's `where`, a row is watched when any condition holds (a disjunction): `[always]`
 *   watches every row, `[never]` none, and `[]`, like no `where`, every row.
 *
 * @since 0.1.0
 * @category conditions
 */
export type Condition = Clause | boolean

/**
 * The condition every row meets (`true` on the wire). `[Op.always]` watches a whole table in a
 * monitor; `monitor.change({ T: { where: [Op.always] } })` widens a monitor to every row.
 *
 * @since 0.1.0
 * @category conditions
 */
export const always = true as const

/**
 * The condition no row meets (`false` on the wire). `[Op.never]` keeps a monitored table empty
 * until `change` gives it other conditions; in a transaction it makes the operation match nothing.
 *
 * @since 0.1.0
 * @category conditions
 */
export const never = false as const

/**
 * Builds a clause for a `where` list.
 *
 * @example
 * ```ts
 * import { Operation as Op, Value } from "effect-ovsdb"
 *
 * Op.where("name", "==", "ls0")
 * Op.where("_uuid", "==", Value.uuid("36c7aec5-e358-4f3d-8de0-78a6a2bb2433"))
 * Op.where("ports", "includes", [Value.namedUuid("p")])
 * ```
 *
 * @since 0.1.0
 * @category conditions
 */
export const where = (column: string, fn: ConditionFunction, value: Value.Value): Clause => ({
  column,
  function: fn,
  value
})

/**
 * A mutator (RFC 7047 §5.1 <mutator>).
 *
 * @since 0.1.0
 * @category mutations
 */
export type Mutator = "+=" | "-=" | "*=" | "/=" | "%=" | "insert" | "delete"

/**
 * A mutation: `[column, mutator, value]`.
 *
 * @since 0.1.0
 * @category mutations
 */
export interface Mutation {
  readonly column: string
  readonly mutator: Mutator
  readonly value: Value.Value
}

/**
 * Builds a mutation.
 *
 * @example
 * ```ts
 * import { Operation as Op } from "effect-ovsdb"
 *
 * Op.mutation("tag_request", "+=", 10)
 * Op.mutation("external_ids", "insert", new Map([["owner", "me"]]))
 * Op.mutation("external_ids", "delete", ["owner"]) // delete map keys
 * ```
 *
 * @since 0.1.0
 * @category mutations
 */
export const mutation = (column: string, mutator: Mutator, value: Value.Value): Mutation => ({
  column,
  mutator,
  value
})

/**
 * The wire form of a `where` list (RFC 7047 §5.1 <condition>): each clause as
 * `[column, function, value]`, each boolean as itself.
 *
 * @since 0.1.0
 * @category conditions
 */
export const encodeWhere = (conditions: ReadonlyArray<Condition>): Json =>
  conditions.map((c) => typeof c === "boolean" ? c : [c.column, c.function, Value.encode(c.value)])

// --- result decoders ---

const decodeWith = <A, I>(schema: Schema.Codec<A, I>) => {
  const decode = Schema.decodeUnknownResult(schema)
  return (json: Json): Result.Result<A, string> => Result.mapError(decode(json), (error) => error.message)
}

const UuidJson = Schema.Tuple([Schema.Literal("uuid"), Schema.String])

const decodeInsert = decodeWith(Schema.Struct({ uuid: UuidJson }))
const decodeCount = decodeWith(Schema.Struct({ count: Schema.Number }))
const decodeRows = decodeWith(Schema.Struct({ rows: Schema.Array(Schema.Record(Schema.String, Schema.Unknown)) }))
const decodeEmpty = decodeWith(Schema.Struct({}))

const isObject = (json: Json): json is { readonly [key: string]: Json } =>
  typeof json === "object" && json !== null && !Array.isArray(json)

/**
 * Reads an `insert` result.
 *
 * @since 0.1.0
 * @category decoding
 */
export const insertResult = (json: Json): Result.Result<InsertResult, string> => {
  // The shape every server sends, checked by hand (one per transaction); the Schema names what is wrong otherwise.
  const uuid = isObject(json) ? json.uuid : undefined
  if (Array.isArray(uuid) && uuid.length === 2 && uuid[0] === "uuid" && typeof uuid[1] === "string") {
    return Result.succeed({ uuid: Value.uuid(uuid[1]) })
  }
  return Result.map(decodeInsert(json), ({ uuid }) => ({ uuid: Value.uuid(uuid[1]) }))
}

/**
 * Reads an `update`, `mutate` or `delete` result.
 *
 * @since 0.1.0
 * @category decoding
 */
export const countResult = (json: Json): Result.Result<CountResult, string> =>
  isObject(json) && typeof json.count === "number" ? Result.succeed({ count: json.count }) : decodeCount(json)

/**
 * Reads the result of an operation that returns nothing.
 *
 * @since 0.1.0
 * @category decoding
 */
export const emptyResult = (json: Json): Result.Result<EmptyResult, string> =>
  isObject(json) ? Result.succeed({}) : Result.map(decodeEmpty(json), () => ({}))

/**
 * Reads a `select` result's rows as JSON objects, for a decoder that knows the columns' types.
 *
 * @since 0.1.0
 * @category decoding
 */
export const rowsResult = decodeRows

const selectResult = (json: Json): Result.Result<SelectResult, string> =>
  Result.flatMap(decodeRows(json), ({ rows }) => {
    const decoded: Array<Value.Row> = []
    for (const row of rows) {
      const out: { [column: string]: Value.Value } = {}
      for (const column in row) {
        const value = Value.decode(row[column] as Json)
        if (value === undefined) {
          return Result.fail(`column ${column}: not an OVSDB value: ${showJson(row[column])}`)
        }
        out[column] = value
      }
      decoded.push(out)
    }
    return Result.succeed({ rows: decoded })
  })

/**
 * Builds an operation from its name, its wire fields and the decoder of its result; with
 * `problem`, an operation that `Ovsdb.transact` refuses to send.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <R>(
  op: string,
  fields: { readonly [key: string]: Json },
  decode: (json: Json) => Result.Result<R, string>,
  problem?: ValueError
): Operation<R> =>
  problem === undefined ? { op, json: { op, ...fields }, decode } : { op, json: { op }, decode, problem }

// --- the ten operations (RFC 7047 §5.2.1 – §5.2.11) ---

/**
 * Options of `insert`.
 *
 * @since 0.1.0
 * @category operations
 */
export interface InsertOptions {
  /** Name the new row so later operations of the transaction can refer to it as `NamedUuid`. */
  readonly uuidName?: string | undefined
  /** Give the row this UUID instead of a random one (an Open vSwitch extension, ovsdb-server(7)). */
  readonly uuid?: Value.Uuid | undefined
}

/**
 * §5.2.1 insert: adds a row; columns left out get their defaults.
 *
 * @since 0.1.0
 * @category operations
 */
export const insert = (table: string, row: Value.Row, options?: InsertOptions): Operation<InsertResult> => {
  const json: { [key: string]: Json } = { op: "insert", table, row: Value.encodeRow(row) }
  if (options?.uuidName !== undefined) json["uuid-name"] = options.uuidName
  if (options?.uuid !== undefined) json.uuid = options.uuid.value
  return { op: "insert", json, decode: insertResult }
}

/**
 * §5.2.2 select: the rows matching every condition, with the given columns (all when absent).
 *
 * @since 0.1.0
 * @category operations
 */
export const select = (
  table: string,
  conditions: ReadonlyArray<Condition> = [],
  columns?: ReadonlyArray<string>
): Operation<SelectResult> =>
  make("select", {
    table,
    where: encodeWhere(conditions),
    ...(columns === undefined ? {} : { columns })
  }, selectResult)

/**
 * §5.2.3 update: sets columns of the rows matching every condition.
 *
 * @since 0.1.0
 * @category operations
 */
export const update = (table: string, conditions: ReadonlyArray<Condition>, row: Value.Row): Operation<CountResult> =>
  make("update", { table, where: encodeWhere(conditions), row: Value.encodeRow(row) }, countResult)

/**
 * §5.2.4 mutate: applies mutations to the rows matching every condition.
 *
 * @since 0.1.0
 * @category operations
 */
export const mutate = (
  table: string,
  conditions: ReadonlyArray<Condition>,
  mutations: ReadonlyArray<Mutation>
): Operation<CountResult> =>
  make("mutate", {
    table,
    where: encodeWhere(conditions),
    mutations: mutations.map((m) => [m.column, m.mutator, Value.encode(m.value)])
  }, countResult)

/**
 * §5.2.5 delete: removes the rows matching every condition.
 *
 * @since 0.1.0
 * @category operations
 */
export const delete_ = (table: string, conditions: ReadonlyArray<Condition>): Operation<CountResult> =>
  make("delete", { table, where: encodeWhere(conditions) }, countResult)

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
 * Options of `wait`.
 *
 * @since 0.1.0
 * @category operations
 */
export interface WaitOptions {
  /** Milliseconds to wait for the condition; 0 tests it once. Absent: wait without limit. */
  readonly timeout?: number | undefined
}

/**
 * §5.2.6 wait: blocks the transaction until the `columns` of the rows matching every condition
 * equal (`"=="`) or differ from (`"!="`) `rows`, or fails with `"timed out"`.
 *
 * @since 0.1.0
 * @category operations
 */
export const wait = (
  table: string,
  conditions: ReadonlyArray<Condition>,
  columns: ReadonlyArray<string>,
  until: "==" | "!=",
  rows: ReadonlyArray<Value.Row>,
  options?: WaitOptions
): Operation<EmptyResult> =>
  make("wait", {
    table,
    where: encodeWhere(conditions),
    columns,
    until,
    rows: rows.map(Value.encodeRow),
    ...(options?.timeout === undefined ? {} : { timeout: options.timeout })
  }, emptyResult)

/**
 * §5.2.7 commit: with `durable`, the reply waits until the transaction is on disk.
 *
 * @since 0.1.0
 * @category operations
 */
export const commit = (durable: boolean): Operation<EmptyResult> => make("commit", { durable }, emptyResult)

/**
 * §5.2.8 abort: fails the transaction on purpose (error `"aborted"`).
 *
 * @since 0.1.0
 * @category operations
 */
export const abort = (): Operation<EmptyResult> => make("abort", {}, emptyResult)

/**
 * §5.2.9 comment: a note written to the database log with the transaction.
 *
 * @since 0.1.0
 * @category operations
 */
export const comment = (text: string): Operation<EmptyResult> => make("comment", { comment: text }, emptyResult)

/**
 * §5.2.10 assert: fails the transaction with `"not owner"` unless this session holds `lock`.
 *
 * @since 0.1.0
 * @category operations
 */
export const assert = (lock: string): Operation<EmptyResult> => make("assert", { lock }, emptyResult)
