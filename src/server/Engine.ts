/**
 * The database engine of the in-memory OVSDB server: one database, its rows, and `transact` with
 * ovsdb-server's semantics (RFC 7047 §4.1.3, §5.2, as Open vSwitch 3.1's ovsdb-server has them),
 * pure and synchronous.
 *
 * - **Rows.** Each table holds its rows by UUID. A row (`Value.Row`) has every column of its table,
 *   `_uuid` and `_version` included, in one canonical shape per column type: a map column is a
 *   `ReadonlyMap<Atom, Atom>`, a column of exactly one value (`min` 1, `max` 1, no `value`) its bare
 *   atom, every other column (sets, optional values) a `ReadonlyArray<Atom>`. Sets and maps are kept
 *   sorted as ovsdb-server sorts atoms (`ovsdb_atom_compare_3way`: strings by their UTF-8 bytes,
 *   numbers by value, `false` before `true`, UUIDs by their text), so that replies list them in the
 *   server's order. UUIDs are `Value.Uuid`, in lower case. Integers are `number`, or `bigint` beyond
 *   ±(2^53 - 1), exact over the whole 64-bit range. Reals are kept exact and written as ovsdb-server
 *   prints them (`%.15g`: 0.1 + 0.2 is written 0.3). A committed row is never changed: a transaction
 *   that changes it makes a new one, so rows handed out (`rows`, `Commit`) stay as they were.
 * - **Transactions.** `transact` runs a request's operations in order against the live tables,
 *   keeping what each row was before the transaction touched it. The first failing operation gives
 *   its error and the rest `null`; otherwise the commit checks strong references, collects rows of
 *   non-root tables that nothing refers to, checks `maxRows`, removes weak references to rows that
 *   are gone and checks unique indexes, in ovsdb-server's order, and a failure there is one more
 *   result after the others. Any error puts every row back. Nothing is visible outside until
 *   `transact` returns.
 * - **Time.** The engine has no clock: a `wait` with a timeout compares the context's `now` with the
 *   time the request arrived (`since`). While its condition does not hold the engine answers
 *   `Blocked`, and the server runs the same request again after each commit and at `until`.
 * - **Errors.** Every error is the JSON object ovsdb-server puts in the reply (`error`, `details`,
 *   and for a syntax error the offending JSON as `syntax`), with ovsdb-server's texts.
 * - **Order.** Where ovsdb-server's answer depends on the order it walks things in, the engine walks
 *   them alike: a JSON object's members and a table's columns in the order of Open vSwitch's string
 *   hash maps (which of several faults an error names; `select` sorts rows by every column in that
 *   order unless told otherwise), a transaction's rows table by table in the order it first touched
 *   them and within a table by UUID hash (which row an error names; whether a weak reference
 *   survives its target, a quirk of ovsdb-server 3.1 kept here). Give `MakeOptions.schemaSource`:
 *   the columns' order follows from the schema file's text.
 *
 * What the engine cannot tell apart, it cannot match: a number's JSON spelling is lost once parsed,
 * so `5.0` is the integer 5 here where ovsdb-server refuses it for an integer column; an integer
 * `*=` 0 of a negative value gives 0 where ovsdb-server 3.1 crashes; rows a `select` finds that
 * differ only in `_uuid` and `_version` (or that an explicit `sort` ranks equal), and the row whose
 * error a multi-row `update` or `mutate` reports first, are in an order ovsdb-server takes from its
 * hash map of the table, which here is the order rows came in.
 *
 * The modules under `engine/`: `atom` and `datum` (values: parsing, order, constraints, wire form),
 * `condition` and `mutation`, `parser` (an operation's members), `operations` (the ten operations and
 * the request), `transaction` (the working copy and the commit), `table` and `database` (the state),
 * `errors`, `text` (ovsdb-server's ways of writing numbers, JSON and types) and `hashOrder`.
 *
 * @example
 * ```ts
 * import { Engine } from "effect-ovsdb"
 * import * as OVN_Northbound from "effect-ovsdb/models/OVN_Northbound"
 *
 * const engine = Engine.make(OVN_Northbound.database.schema)
 * const outcome = engine.transact(
 *   [{ op: "insert", table: "Logical_Switch", row: { name: "ls0" } }],
 *   { hasLock: () => false, now: Date.now() }
 * )
 * // { _tag: "Reply", result: [{ uuid: ["uuid", "…"] }], commit: { id: "…", changes: [{ table: "Logical_Switch", … }] } }
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import type { Json } from "../Json.js"
import type * as DatabaseSchema from "../protocol/DatabaseSchema.js"
import type * as Value from "../protocol/Value.js"
import { any, compileClauses, every } from "./engine/condition.js"
import { makeDatabase } from "./engine/database.js"
import { encodeShaped, encodeValue as encodeTyped } from "./engine/datum.js"
import { OvsdbError, syntaxError } from "./engine/errors.js"
import { execute } from "./engine/operations.js"

/**
 * What a transaction may know of its session: its locks (for `assert`) and the time (for `wait`).
 *
 * @since 0.1.0
 * @category models
 */
export interface TransactContext {
  /** Whether the session owns this lock (RFC 7047 §5.2.11: `assert` fails "not owner" unless it does). */
  readonly hasLock: (name: string) => boolean
  /** The time now, in milliseconds. */
  readonly now: number
  /**
   * When the request arrived, in milliseconds (default `now`): a `wait` with a `timeout` fails
   * "timed out" once `now - since` reaches it.
   */
  readonly since?: number
  /**
   * Lets the server itself write a database whose name begins with `_` (`_Server`); a client's
   * writes there fail "not allowed", as ovsdb-server's do.
   */
  readonly reservedWrites?: boolean
}

/**
 * One row's change in a commit: `old` undefined for an insert, `new` undefined for a delete.
 *
 * @since 0.1.0
 * @category models
 */
export interface Change {
  readonly table: string
  readonly uuid: string
  readonly old: Value.Row | undefined
  readonly new: Value.Row | undefined
}

/**
 * A committed transaction's effect: the rows it inserted, modified (at least one column differs)
 * and deleted, in the order ovsdb-server walks them (tables in the order the transaction first
 * touched them).
 *
 * @since 0.1.0
 * @category models
 */
export interface Commit {
  /** A fresh UUID: the transaction id that `monitor_cond_since` and `update3` report. */
  readonly id: string
  readonly changes: ReadonlyArray<Change>
  /** The transaction's `comment` operations' texts, joined by newlines ("" when none). */
  readonly comment: string
  /** Whether a `commit` operation asked for `durable: true`. */
  readonly durable: boolean
}

/**
 * The outcome of one `transact` request.
 *
 * - `Reply`: the reply's `result` array as ovsdb-server sends it; `commit` when rows changed.
 * - `Error`: a JSON-RPC-level error reply (the request itself malformed), as ovsdb-server sends it.
 * - `Blocked`: a `wait` whose condition does not hold yet; run the same request again (with the same
 *   `since`) after the next commit, or at `until` (then it fails "timed out"). `until` is `Infinity`
 *   for a wait without a timeout.
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome =
  | { readonly _tag: "Reply"; readonly result: ReadonlyArray<Json>; readonly commit: Commit | undefined }
  | { readonly _tag: "Error"; readonly error: Json }
  | { readonly _tag: "Blocked"; readonly until: number }

/**
 * A compiled where clause, or the error ovsdb-server gives for it.
 *
 * @since 0.1.0
 * @category models
 */
export type Condition =
  | {
    readonly _tag: "Ok"
    /**
     * Whether a row of the table (every column, in the engine's shape) meets the where clause, its
     * clauses combined as asked.
     */
    readonly matches: (row: Value.Row) => boolean
  }
  | { readonly _tag: "Error"; readonly error: Json }

/**
 * How a where clause's clauses combine: `"every"` (a transaction's `where`: all must hold; none is
 * true) or `"any"` (a `monitor_cond` condition: one must hold; none is true too).
 *
 * @since 0.1.0
 * @category models
 */
export type Combine = "every" | "any"

/**
 * One database.
 *
 * @since 0.1.0
 * @category models
 */
export interface Engine {
  readonly schema: DatabaseSchema.DatabaseSchema
  /** RFC 7047 §4.1.3: runs one transact request's operations (the params after the database name), all or nothing. */
  readonly transact: (operations: ReadonlyArray<Json>, context: TransactContext) => Outcome
  /**
   * The current rows of a table (every column, `_uuid` and `_version` included), for monitors'
   * initial contents: a live view, to read before the next `transact` (the rows themselves never
   * change; a transaction replaces them). None for a table the schema lacks.
   */
  readonly rows: (table: string) => Iterable<readonly [uuid: string, row: Value.Row]>
  /**
   * Compiles a where clause (the wire JSON of a select's or a monitor_cond's conditions: an array
   * of `[column, function, value]` and `true`/`false`) for a table, or the error ovsdb-server would
   * give. Clauses combine as `combine` says (default `"every"`).
   */
  readonly condition: (table: string, where: Json, combine?: Combine) => Condition
  /**
   * A row's wire form as ovsdb-server writes it, with the given columns (default: every column of the
   * row): reals rounded to 15 significant digits, one-element sets as their atom.
   */
  readonly encodeRow: (
    table: string,
    row: Value.Row,
    columns?: ReadonlyArray<string>
  ) => { readonly [column: string]: Json }
}

/**
 * Options of `make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MakeOptions {
  /** Makes the UUIDs of rows, versions and commits (default: random, version 4). */
  readonly uuid?: () => string
  /**
   * The schema as its `.ovsschema` file holds it (read with `Json.parse`, which keeps the members'
   * order). ovsdb-server walks a table's columns in an order that follows from that order; given it,
   * the engine walks them alike, which decides `select`'s default row order and which of several
   * faults an error names. Without it the engine takes the columns in the order of their names.
   */
  readonly schemaSource?: Json
}

/**
 * Makes an empty database for a schema (as `DatabaseSchema.decode` reads it).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (schema: DatabaseSchema.DatabaseSchema, options?: MakeOptions): Engine => {
  const newUuid = options?.uuid ?? randomUUID
  const database = makeDatabase(schema, () => newUuid().toLowerCase(), options?.schemaSource)
  const condition = (table: string, where: Json, combine: Combine = "every"): Condition => {
    const state = database.tables.get(table)
    if (state === undefined) return { _tag: "Error", error: syntaxError(table, `No table named ${table}.`).toJson() }
    if (!Array.isArray(where)) {
      return { _tag: "Error", error: syntaxError(where, "array of conditions expected").toJson() }
    }
    try {
      const clauses = compileClauses(state.info, where, undefined)
      return { _tag: "Ok", matches: combine === "any" ? any(clauses) : every(clauses) }
    } catch (error) {
      if (error instanceof OvsdbError) return { _tag: "Error", error: error.toJson() }
      throw error
    }
  }
  const encodeRow = (table: string, row: Value.Row, columns?: ReadonlyArray<string>) => {
    const info = database.tables.get(table)?.info
    const out: { [column: string]: Json } = {}
    for (const name of columns ?? Object.keys(row)) {
      const value = row[name]
      if (value === undefined) continue
      const column = info?.columns.get(name)
      out[name] = column === undefined ? encodeShaped(value) : encodeTyped(column, value)
    }
    return out
  }
  return {
    schema,
    transact: (operations, context) => execute(database, operations, context),
    rows: (table) => database.tables.get(table)?.rows ?? [],
    condition,
    encodeRow
  }
}

/**
 * The wire form of a value as ovsdb-server writes it (RFC 7047 §5.1): a map as `["map", …]`, a set
 * of one element as its bare atom, any other set as `["set", …]`, a UUID as `["uuid", …]`. Given
 * the column's type, reals are written as ovsdb-server prints them (15 significant digits), as
 * `Engine.encodeRow` writes them; without it, as they are.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeValue = (value: Value.Value, type?: DatabaseSchema.ColumnType): Json =>
  encodeShaped(value, type?.key.type, type?.value?.type)

/**
 * The wire form of a row, with the given columns (default: every column of the row) in that order.
 * Without the table's types, reals are written as they are; `Engine.encodeRow` rounds them as
 * ovsdb-server does.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeRow = (
  row: Value.Row,
  columns?: ReadonlyArray<string>
): { readonly [column: string]: Json } => {
  const out: { [column: string]: Json } = {}
  for (const name of columns ?? Object.keys(row)) {
    const value = row[name]
    if (value !== undefined) out[name] = encodeShaped(value)
  }
  return out
}
