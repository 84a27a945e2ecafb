/**
 * The ten operations of RFC 7047 §5.2 and the `transact` request that runs them, as ovsdb-server's
 * `ovsdb/execution.c` does.
 *
 * Operations run in order in one transaction. Each gives a result object; the first that fails gives
 * its error object instead, and the rest are not run: their results are `null` (the reply always has
 * one result per operation). When every operation succeeded the transaction commits; if the commit's
 * checks fail (references, `maxRows`, indexes, …), their error is added after the results. Any error
 * leaves the database as it was.
 *
 * A `wait` whose condition does not hold yet blocks the request instead (unless its timeout is 0 or
 * has passed): the engine answers `Blocked` and the server runs the same request again later.
 *
 * @since 0.1.0
 */
import type { Json } from "../../Json.js"
import * as Value from "../../protocol/Value.js"
import type { Commit, Outcome, TransactContext } from "../Engine.js"
import { type Symbol, type SymbolTable, uuidAtom } from "./atom.js"
import { compileClauses, every, type Predicate } from "./condition.js"
import type { Database, TableState } from "./database.js"
import { type Column, compareValues, encodeValue, equalValues, parseValue, valueKey } from "./datum.js"
import { OvsdbError, ovsdbError, syntaxError } from "./errors.js"
import { memberOrder } from "./hashOrder.js"
import { applyMutations, parseMutations } from "./mutation.js"
import { Parser } from "./parser.js"
import type { TableInfo } from "./table.js"
import { type MutableRow, Transaction } from "./transaction.js"

/** What the operations of one request share (`struct ovsdb_execution`). */
interface Execution {
  readonly database: Database
  readonly txn: Transaction
  readonly symbols: SymbolTable
  readonly context: TransactContext
  /** Milliseconds since the request arrived. */
  readonly elapsed: number
  /**
   * The timeout of the wait that blocked the request. (ovsdb-server retries at the smallest timeout
   * of the waits it ran, then at every turn of its loop until the blocked wait's own timeout; the
   * outcome is the same, without the retries.)
   */
  timeout: number
  durable: boolean
  readonly comments: Array<string>
}

type Result = { [member: string]: Json }

type Executor = (x: Execution, parser: Parser, result: Result) => void

/** "not supported": what a wait that must block gives, caught by `execute`. */
const BLOCKED_TAG = "not supported"

const makeSymbols = (newUuid: () => string): SymbolTable => {
  const symbols = new Map<string, Symbol>()
  return {
    insert: (name) => {
      let symbol = symbols.get(name)
      if (symbol === undefined) {
        symbol = { uuid: newUuid(), created: false }
        symbols.set(name, symbol)
      }
      return symbol
    }
  }
}

/** `parse_table`. */
const parseTable = (x: Execution, parser: Parser, member = "table"): TableState | undefined => {
  const name = parser.member(member, ["id"])
  if (name === undefined) return undefined
  const table = x.database.tables.get(name as string)
  if (table === undefined) parser.raise(`No table named ${name as string}.`)
  return table
}

/** `ovsdb_row_from_json`: the columns given, over `base`; members walked as ovsdb-server walks them. */
const parseRow = (
  table: TableInfo,
  json: Json,
  symbols: SymbolTable,
  base: Value.Row,
  included?: Array<Column>
): MutableRow => {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw syntaxError(json, "row must be JSON object")
  }
  const object = json as { readonly [column: string]: Json }
  const row: MutableRow = { ...base }
  for (const name of memberOrder(Object.keys(object))) {
    const column = table.columns.get(name)
    if (column === undefined) throw syntaxError(json, `No column ${name} in table ${table.name}.`, "unknown column")
    row[name] = parseValue(column, object[name]!, symbols)
    included?.push(column)
  }
  return row
}

/** `ovsdb_column_set_from_json`: the columns named (distinct), or every column when absent. */
const parseColumns = (json: Json | undefined, table: TableInfo): ReadonlyArray<Column> => {
  if (json === undefined) return table.columnOrder
  const columns: Array<Column> = []
  const names = json as ReadonlyArray<Json>
  for (const name of names) {
    if (typeof name !== "string") throw syntaxError(json, "array of distinct column names expected")
    const column = table.columns.get(name)
    if (column === undefined) throw syntaxError(json, `${name} is not a valid column name`)
    if (columns.includes(column)) throw syntaxError(json, "array of distinct column names expected")
    columns.push(column)
  }
  return columns
}

/** A where clause of a transaction: parsed with the transaction's named UUIDs. */
const parseWhere = (x: Execution, table: TableInfo, where: Json): Predicate =>
  every(compileClauses(table, where as ReadonlyArray<Json>, x.symbols))

/** The UUID a where clause names with `["_uuid", "==", uuid]`, if it has one: only that row can match. */
const uuidOf = (where: Json): string | undefined => {
  for (const clause of where as ReadonlyArray<Json>) {
    if (Array.isArray(clause) && clause[0] === "_uuid" && clause[1] === "==") {
      const arg = clause[2]
      if (Array.isArray(arg) && arg[0] === "uuid" && typeof arg[1] === "string") return (arg[1] as string).toLowerCase()
    }
  }
  return undefined
}

/** `ovsdb_query`: the rows of a table that match, in the table's order. */
const query = (table: TableState, where: Json, matches: Predicate): Array<[string, Value.Row]> => {
  const uuid = uuidOf(where)
  if (uuid !== undefined) {
    const row = table.rows.get(uuid)
    return row !== undefined && matches(row) ? [[uuid, row]] : []
  }
  const out: Array<[string, Value.Row]> = []
  for (const entry of table.rows) if (matches(entry[1])) out.push(entry)
  return out
}

/** RFC 7047 §5.2.1 insert. */
const insert: Executor = (x, parser, result) => {
  const table = parseTable(x, parser)
  const uuidJson = parser.member("uuid", ["string"], true)
  const uuidName = parser.member("uuid-name", ["id"], true)
  const rowJson = parser.member("row", ["object"])
  parser.check()
  const state = table!
  let uuid: string | undefined
  if (uuidJson !== undefined) {
    if (!Value.isUuidText(uuidJson as string)) throw syntaxError(uuidJson, "bad uuid")
    uuid = (uuidJson as string).toLowerCase()
    if (!x.txn.mayCreate(state, uuid)) {
      throw syntaxError(
        uuidJson,
        "This UUID would duplicate a UUID already present within the table or deleted within the same transaction.",
        "duplicate uuid"
      )
    }
  }
  if (uuidName !== undefined) {
    const symbol = x.symbols.insert(uuidName as string)
    if (symbol.created) {
      throw syntaxError(
        uuidName,
        "This \"uuid-name\" appeared on an earlier \"insert\" operation.",
        "duplicate uuid-name"
      )
    }
    if (uuid !== undefined) symbol.uuid = uuid
    else uuid = symbol.uuid
    symbol.created = true
  }
  uuid ??= x.database.newUuid()
  const row = parseRow(state.info, rowJson!, x.symbols, state.info.defaults)
  // ovsdb-server checks every column of one value against its constraints; the columns given were
  // checked as they were read, so only defaults can fail, the first in the walk order.
  for (const [column, problem] of state.info.badDefaults) {
    if (!Object.hasOwn(rowJson as object, column.name)) throw problem
  }
  row._uuid = uuidAtom(uuid)
  row._version = Value.uuid(x.database.newUuid())
  x.txn.insert(state, uuid, row)
  result.uuid = ["uuid", uuid]
}

/** RFC 7047 §5.2.2 select (with the Open vSwitch `sort` extension). */
const select: Executor = (x, parser, result) => {
  const table = parseTable(x, parser)
  const where = parser.member("where", ["array"])
  const columnsJson = parser.member("columns", ["array"], true)
  const sortJson = parser.member("sort", ["array"], true)
  parser.check()
  const state = table!
  const matches = parseWhere(x, state.info, where!)
  const columns = parseColumns(columnsJson, state.info)
  const sort = parseColumns(sortJson, state.info)
  let rows = query(state, where!, matches).map(([, row]) => row)
  if (!columns.some((column) => column.name === "_uuid")) rows = distinct(rows, columns)
  if (sort.length > 0 && rows.length > 1) rows.sort((a, b) => compareRows(sort, a, b))
  result.rows = rows.map((row) => {
    const out: { [column: string]: Json } = {}
    for (const column of columns) out[column.name] = encodeValue(column, row[column.name]!)
    return out
  })
}

/** `ovsdb_query_distinct`: one row for each distinct combination of the columns' values. */
const distinct = (rows: ReadonlyArray<Value.Row>, columns: ReadonlyArray<Column>): Array<Value.Row> => {
  const seen = new Set<string>()
  return rows.filter((row) => {
    const key = JSON.stringify(columns.map((column) => valueKey(column, row[column.name]!)))
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** `ovsdb_row_compare_columns_3way`. */
const compareRows = (columns: ReadonlyArray<Column>, a: Value.Row, b: Value.Row): number => {
  for (const column of columns) {
    const c = compareValues(column, a[column.name]!, b[column.name]!)
    if (c !== 0) return c
  }
  return 0
}

/** RFC 7047 §5.2.3 update. */
const update: Executor = (x, parser, result) => {
  const table = parseTable(x, parser)
  const where = parser.member("where", ["array"])
  const rowJson = parser.member("row", ["object"])
  parser.check()
  const state = table!
  const included: Array<Column> = []
  const row = parseRow(state.info, rowJson!, x.symbols, state.info.defaults, included)
  for (const column of included) {
    if (!column.mutable) {
      throw syntaxError(
        parser.json,
        `Cannot update immutable column ${column.name} in table ${state.info.name}.`,
        "constraint violation"
      )
    }
  }
  const matches = parseWhere(x, state.info, where!)
  const found = query(state, where!, matches)
  for (const [uuid, current] of found) {
    if (included.every((column) => equalValues(column, current[column.name]!, row[column.name]!))) continue
    const writable = x.txn.modify(state, uuid)
    for (const column of included) writable[column.name] = row[column.name]!
  }
  result.count = found.length
}

/** RFC 7047 §5.2.4 mutate. */
const mutate: Executor = (x, parser, result) => {
  const table = parseTable(x, parser)
  const where = parser.member("where", ["array"])
  const mutationsJson = parser.member("mutations", ["array"])
  parser.check()
  const state = table!
  const mutations = parseMutations(state.info, mutationsJson as ReadonlyArray<Json>, x.symbols)
  const matches = parseWhere(x, state.info, where!)
  const found = query(state, where!, matches)
  for (const [uuid] of found) applyMutations(x.txn.modify(state, uuid), mutations)
  result.count = found.length
}

/** RFC 7047 §5.2.5 delete. */
const del: Executor = (x, parser, result) => {
  const where = parser.member("where", ["array"])
  const table = parseTable(x, parser)
  parser.check()
  const state = table!
  const matches = parseWhere(x, state.info, where!)
  const found = query(state, where!, matches)
  for (const [uuid] of found) x.txn.delete(state, uuid)
  result.count = found.length
}

/** RFC 7047 §5.2.6 wait: the rows matching `where` are (`==`) or are not (`!=`) exactly `rows`, over `columns`. */
const wait: Executor = (x, parser) => {
  const timeoutJson = parser.member("timeout", ["integer"], true)
  const where = parser.member("where", ["array"])
  const columnsJson = parser.member("columns", ["array"], true)
  const until = parser.member("until", ["string"])
  const rowsJson = parser.member("rows", ["array"])
  const table = parseTable(x, parser)
  parser.check()
  const state = table!
  const matches = parseWhere(x, state.info, where!)
  const columns = parseColumns(columnsJson, state.info)
  let timeout = Infinity
  if (timeoutJson !== undefined) {
    timeout = Number(timeoutJson as number | bigint)
    if (timeout < 0) throw syntaxError(timeoutJson, "timeout must be nonnegative")
  }
  if (until !== "==" && until !== "!=") throw syntaxError(until!, "\"until\" must be \"==\" or \"!=\"")
  const key = (row: Value.Row) => JSON.stringify(columns.map((column) => valueKey(column, row[column.name]!)))
  const expected = new Set<string>()
  for (const rowJson of rowsJson as ReadonlyArray<Json>) {
    expected.add(key(parseRow(state.info, rowJson, x.symbols, { ...state.info.defaults, ...ZERO_IDS })))
  }
  const actual = new Set<string>()
  let equal = true
  for (const [, row] of query(state, where!, matches)) {
    const k = key(row)
    if (!expected.has(k)) {
      equal = false
      break
    }
    actual.add(k)
  }
  equal &&= actual.size === expected.size
  if ((until === "==") === equal) return
  if (timeoutJson !== undefined && x.elapsed >= timeout) {
    throw ovsdbError(
      "timed out",
      x.elapsed > 0 ? `"wait" timed out after ${x.elapsed} ms` : "\"where\" clause test failed"
    )
  }
  x.timeout = timeout
  throw ovsdbError(BLOCKED_TAG, "triggers not supported")
}

/** A row's `_uuid` and `_version` before an insert gives them values: the all-zero UUID. */
const ZERO_IDS: Value.Row = {
  _uuid: Value.uuid(Value.ZERO_UUID),
  _version: Value.uuid(Value.ZERO_UUID)
}

/** RFC 7047 §5.2.7 commit. */
const commit: Executor = (x, parser) => {
  const durable = parser.member("durable", ["boolean"])
  if (durable === true) x.durable = true
}

/** RFC 7047 §5.2.8 abort. */
const abort: Executor = () => {
  throw ovsdbError("aborted", "aborted by request")
}

/** RFC 7047 §5.2.9 comment. */
const comment: Executor = (x, parser) => {
  const text = parser.member("comment", ["string"])
  if (text !== undefined) x.comments.push(text as string)
}

/** RFC 7047 §5.2.10 assert. */
const assert: Executor = (x, parser) => {
  const lock = parser.member("lock", ["id"])
  if (lock === undefined) return
  if (!x.context.hasLock(lock as string)) throw ovsdbError("not owner", `Asserted lock ${lock as string} not held.`)
}

const EXECUTORS: { readonly [op: string]: { readonly run: Executor; readonly readOnly: boolean } } = {
  insert: { run: insert, readOnly: false },
  select: { run: select, readOnly: true },
  update: { run: update, readOnly: false },
  mutate: { run: mutate, readOnly: false },
  delete: { run: del, readOnly: false },
  wait: { run: wait, readOnly: true },
  commit: { run: commit, readOnly: false },
  abort: { run: abort, readOnly: true },
  comment: { run: comment, readOnly: true },
  assert: { run: assert, readOnly: true }
}

/** Runs one operation; its error, if it fails. */
const runOperation = (
  x: Execution,
  operation: Json,
  index: number,
  count: number,
  result: Result
): OvsdbError | undefined => {
  const parser = new Parser(operation, `ovsdb operation ${index} of ${count}`)
  const op = parser.member("op", ["id"])
  let error: OvsdbError | undefined
  let readOnly = false
  if (op !== undefined) {
    const executor = Object.hasOwn(EXECUTORS, op as string) ? EXECUTORS[op as string] : undefined
    if (executor === undefined) parser.raise(`No operation "${op as string}"`)
    else {
      readOnly = executor.readOnly
      try {
        executor.run(x, parser, result)
      } catch (thrown) {
        if (!(thrown instanceof OvsdbError)) throw thrown
        error = thrown
      }
    }
  }
  // A parse error overrides any other error.
  error = parser.finish() ?? error
  const name = x.database.schema.name
  if (!readOnly && error === undefined && name.startsWith("_") && x.context.reservedWrites !== true) {
    error = ovsdbError("not allowed", `${op as string} operation not allowed on table in reserved database ${name}`)
  }
  return error
}

/** `ovsdb_execute_compose` and the commit: one transact request's outcome. */
export const execute = (database: Database, operations: ReadonlyArray<Json>, context: TransactContext): Outcome => {
  const since = context.since ?? context.now
  const x: Execution = {
    database,
    txn: new Transaction(database),
    symbols: makeSymbols(database.newUuid),
    context,
    elapsed: Math.max(0, context.now - since),
    timeout: Infinity,
    durable: false,
    comments: []
  }
  try {
    return run(x, operations, since)
  } catch (defect) {
    // A bug of the engine: the transaction leaves nothing behind, and the reply says so, as
    // ovsdb-server's "internal error" does, rather than throwing into the server.
    x.txn.abort()
    const details = defect instanceof Error ? defect.message : String(defect)
    return {
      _tag: "Reply",
      result: [{ error: "internal error", details }, ...operations.slice(1).map(() => null)],
      commit: undefined
    }
  }
}

const run = (x: Execution, operations: ReadonlyArray<Json>, since: number): Outcome => {
  const results: Array<Json> = []
  for (let i = 0; i < operations.length; i++) {
    const result: Result = {}
    const error = runOperation(x, operations[i]!, i + 1, operations.length, result)
    if (error === undefined) {
      results.push(result)
      continue
    }
    x.txn.abort()
    if (error.tag === BLOCKED_TAG) return { _tag: "Blocked", until: since + x.timeout }
    results.push(error.toJson())
    while (results.length < operations.length) results.push(null)
    return { _tag: "Reply", result: results, commit: undefined }
  }
  const committed = x.txn.commit()
  if (committed instanceof OvsdbError) {
    x.txn.abort()
    return { _tag: "Reply", result: [...results, committed.toJson()], commit: undefined }
  }
  const commit: Commit | undefined = committed.length === 0 ? undefined : {
    id: x.database.newUuid(),
    changes: committed,
    comment: x.comments.join("\n"),
    durable: x.durable
  }
  return { _tag: "Reply", result: results, commit }
}
