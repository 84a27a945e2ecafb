/**
 * Monitors, as ovsdb-server runs them (RFC 7047 §4.1.5, ovsdb-server(7) §4.1.12–§4.1.15): a
 * request read into the tables, columns, change kinds and conditions watched, and the
 * `<table-updates>` a monitor reports, for its initial contents, for each commit, and for a change
 * of its conditions.
 *
 * - **Columns.** A request names its columns, or watches every column but `_uuid` (so `_version`
 *   too). A modification reports a row only when a watched column changed.
 * - **Kinds.** `select` chooses which of initial, insert, delete and modify are reported; it
 *   applies column by column when a table has several requests.
 * - **Conditions** (`monitor_cond`, `monitor_cond_since`): a row is watched when it meets any
 *   clause of its table's `where` (every row when there is none). A modification that takes a row
 *   into the condition is reported as an insert, out of it as a delete.
 * - **Versions.** Version 1 (`update`) reports `new` rows with every watched column and, for a
 *   modification, `old` with the changed columns only. Versions 2 and 3 (`update2`, `update3`)
 *   report `initial` and `insert` rows without the columns that hold their default value, a
 *   deletion as `"delete": null`, and a modification as a diff of the changed columns: a column of
 *   at most one value as its new value, a set as the symmetric difference, a map as the pairs
 *   removed (old value), added, or changed (new value).
 *
 * Errors are the JSON objects ovsdb-server answers with, with its texts.
 *
 * @since 0.1.0
 */
import type { Json } from "../Json.js"
import { stringify } from "../Json.js"
import type * as DatabaseSchema from "../protocol/DatabaseSchema.js"
import * as Value from "../protocol/Value.js"
import type { Change, Engine } from "./Engine.js"
import { encodeValue } from "./Engine.js"
import { memberOrder } from "./engine/hashOrder.js"

/**
 * The monitor protocol versions: `monitor` (1), `monitor_cond` (2), `monitor_cond_since` (3).
 *
 * @since 0.1.0
 * @category models
 */
export type Version = 1 | 2 | 3

// ovsdb-server's <monitor-select> bits.
const INITIAL = 1
const INSERT = 2
const DELETE = 4
const MODIFY = 8
const ALL = INITIAL | INSERT | DELETE | MODIFY

type Kind = typeof INITIAL | typeof INSERT | typeof DELETE | typeof MODIFY

/** One watched column, and the kinds of change it is reported for. */
interface Column {
  readonly name: string
  readonly type: DatabaseSchema.ColumnType
  readonly select: number
}

/** Whether a row is watched; `undefined` watches every row. */
type Filter = ((row: Value.Row) => boolean) | undefined

/**
 * What one monitor watches in one table.
 *
 * @since 0.1.0
 * @category models
 */
export interface TableMonitor {
  readonly table: string
  readonly columns: ReadonlyArray<Column>
  /** The kinds of change any column is reported for. */
  readonly select: number
  /** The `where` the rows must meet (version 2 and 3), as compiled. */
  filter: Filter
  /** The columns its conditions have named, ever: ovsdb-server watches them too. */
  readonly conditionColumns: Set<string>
}

/**
 * A monitor of one database on one session.
 *
 * @since 0.1.0
 * @category models
 */
export interface Monitor {
  /** The client's id for it (any JSON), sent back in every notification. */
  id: Json
  readonly version: Version
  readonly database: string
  readonly tables: ReadonlyMap<string, TableMonitor>
}

/**
 * A result, or the error JSON ovsdb-server would answer with.
 *
 * @since 0.1.0
 * @category models
 */
export type Parsed<A> = { readonly _tag: "Ok"; readonly value: A } | { readonly _tag: "Error"; readonly error: Json }

const ok = <A>(value: A): Parsed<A> => ({ _tag: "Ok", value })
const failed = <A>(error: Json): Parsed<A> => ({ _tag: "Error", error })

/**
 * A syntax error as ovsdb-server writes one: the offending JSON as text in `syntax` (when it names
 * one), then `details`.
 *
 * @since 0.1.0
 * @category errors
 */
export const syntaxError = (details: string, syntax?: Json): Json =>
  syntax === undefined
    ? { details, error: "syntax error" }
    : { syntax: stringify(syntax) ?? "null", details, error: "syntax error" }

const isObject = (json: Json | undefined): json is { readonly [key: string]: Json } =>
  typeof json === "object" && json !== null && !Array.isArray(json)

/** The member types ovsdb-server's parser checks. */
type MemberType = "array" | "object" | "boolean"

const hasType = (json: Json, type: MemberType): boolean =>
  type === "array" ? Array.isArray(json) : type === "object" ? isObject(json) : typeof json === "boolean"

/**
 * ovsdb-server's object parser (`ovsdb_parser`): optional members of given types, the first
 * problem reported as "Parsing CONTEXT failed: …", with the whole object as its syntax.
 */
const parseMembers = (
  json: Json,
  context: string,
  members: ReadonlyArray<readonly [name: string, type: MemberType]>
): Parsed<{ readonly [name: string]: Json | undefined }> => {
  if (!isObject(json)) return failed(syntaxError(`Parsing ${context} failed: Object expected.`))
  const out: { [name: string]: Json | undefined } = {}
  for (const [name, type] of members) {
    const value = json[name]
    if (value !== undefined && !hasType(value, type)) {
      return failed(syntaxError(`Parsing ${context} failed: Type mismatch for member '${name}'.`, json))
    }
    out[name] = value
  }
  const extra = Object.keys(json).find((name) => !members.some(([member]) => member === name))
  if (extra !== undefined) {
    return failed(syntaxError(`Parsing ${context} failed: Member '${extra}' is present but not allowed here.`, json))
  }
  return ok(out)
}

/** `<monitor-select>`: every kind unless turned off. */
const parseSelect = (table: string, json: Json | undefined): Parsed<number> => {
  if (json === undefined) return ok(ALL)
  const parsed = parseMembers(json, `table ${table} select`, [
    ["initial", "boolean"],
    ["insert", "boolean"],
    ["delete", "boolean"],
    ["modify", "boolean"]
  ])
  if (parsed._tag === "Error") return parsed
  const on = (name: string, bit: number) => parsed.value[name] === false ? 0 : bit
  return ok(on("initial", INITIAL) | on("insert", INSERT) | on("delete", DELETE) | on("modify", MODIFY))
}

/**
 * A where clause as monitors read it: rows meeting any of its clauses, every row when it has none.
 * The clauses are compiled one by one, after the whole clause was checked.
 */
const compileFilter = (engine: Engine, table: string, where: Json | undefined): Parsed<Filter> => {
  if (where === undefined) return ok(undefined)
  const checked = engine.condition(table, where)
  if (checked._tag === "Error") return failed(checked.error)
  const clauses = where as ReadonlyArray<Json>
  if (clauses.length === 0 || clauses.includes(true)) return ok(undefined)
  const tests: Array<(row: Value.Row) => boolean> = []
  for (const clause of clauses) {
    if (clause === false) continue
    const compiled = engine.condition(table, [clause])
    if (compiled._tag === "Error") return failed(compiled.error)
    tests.push(compiled.matches)
  }
  return ok((row) => tests.some((test) => test(row)))
}

/** Builds up one table's watched columns from its requests. */
interface TableDraft {
  readonly columns: Array<Column>
  select: number
  filter: Filter
  readonly conditionColumns: Set<string>
}

/** The columns a where clause names (ovsdb_monitor_condition_add_columns). */
const conditionColumnsOf = (where: Json | undefined): ReadonlyArray<string> =>
  Array.isArray(where)
    ? where.flatMap((clause) => Array.isArray(clause) && typeof clause[0] === "string" ? [clause[0]] : [])
    : []

/** One `<monitor-request>` (or `<monitor-cond-request>`) of a table, added to its draft. */
const parseRequest = (
  engine: Engine,
  schema: DatabaseSchema.TableSchema,
  version: Version,
  json: Json,
  draft: TableDraft
): Json | undefined => {
  const members = version === 1
    ? [["columns", "array"], ["select", "object"]] as const
    : [["columns", "array"], ["where", "array"], ["select", "object"]] as const
  const parsed = parseMembers(json, `table ${schema.name}`, members)
  if (parsed._tag === "Error") return parsed.error
  const select = parseSelect(schema.name, parsed.value.select)
  if (select._tag === "Error") return select.error
  draft.select |= select.value
  const columns = parsed.value.columns as ReadonlyArray<Json> | undefined
  const names = columns ?? Object.keys(schema.columns).filter((name) => name !== "_uuid")
  for (const name of names) {
    if (typeof name !== "string") return syntaxError("array of column names expected", columns)
    const column = schema.columns[name]
    if (column === undefined) return syntaxError(`${name} is not a valid column name`, columns)
    if (draft.columns.some((watched) => watched.name === name)) {
      return syntaxError(`column ${name} mentioned more than once`, columns)
    }
    draft.columns.push({ name, type: column.type, select: select.value })
  }
  if (version !== 1) {
    const filter = compileFilter(engine, schema.name, parsed.value.where)
    if (filter._tag === "Error") return filter.error
    draft.filter = filter.value
    for (const column of conditionColumnsOf(parsed.value.where)) draft.conditionColumns.add(column)
  }
  return undefined
}

/**
 * Reads the `<monitor-requests>` of a `monitor`, `monitor_cond` or `monitor_cond_since` request.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseRequests = (
  engine: Engine,
  version: Version,
  requests: Json
): Parsed<ReadonlyMap<string, TableMonitor>> => {
  if (!isObject(requests)) return failed(syntaxError("monitor-requests must be object", requests))
  const tables = new Map<string, TableMonitor>()
  // ovsdb-server walks the tables in its hash map's order, which decides the fault it names first.
  for (const name of memberOrder(Object.keys(requests))) {
    const schema = engine.schema.tables[name]
    if (schema === undefined) return failed(syntaxError(`no table named ${name}`))
    const draft: TableDraft = { columns: [], select: 0, filter: undefined, conditionColumns: new Set() }
    const value = requests[name]!
    for (const request of Array.isArray(value) ? value as ReadonlyArray<Json> : [value]) {
      const error = parseRequest(engine, schema, version, request, draft)
      if (error !== undefined) return failed(error)
    }
    tables.set(name, { table: name, ...draft })
  }
  return ok(tables)
}

// --- values ---

/** Code point order, which is UTF-8 byte order: how ovsdb-server compares strings. */
const compareStrings = (a: string, b: string): number => {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!
    const y = b.codePointAt(i)!
    if (x !== y) return x - y
  }
  return a.length - b.length
}

/** ovsdb_atom_compare_3way, for two atoms of one type. */
const compareAtoms = (a: Value.Atom, b: Value.Atom): number => {
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b)
  if (a instanceof Value.Uuid && b instanceof Value.Uuid) return compareStrings(a.value, b.value)
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b)
  if (typeof a === "bigint" || typeof b === "bigint") {
    const [x, y] = [toBigint(a), toBigint(b)]
    if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0
  }
  const [x, y] = [Number(a), Number(b)]
  return x < y ? -1 : x > y ? 1 : 0
}

const toBigint = (atom: Value.Atom): bigint | undefined =>
  typeof atom === "bigint" ? atom : typeof atom === "number" && Number.isInteger(atom) ? BigInt(atom) : undefined

const sameAtom = (a: Value.Atom, b: Value.Atom): boolean => Value.atomKey(a) === Value.atomKey(b)

/** Whether two values of one column are equal (both in the engine's canonical, sorted shape). */
const sameValue = (a: Value.Value, b: Value.Value): boolean => {
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map && b instanceof Map) || a.size !== b.size) return false
    const left = [...a]
    const right = [...b]
    return left.every(([key, value], i) => sameAtom(key, right[i]![0]) && sameAtom(value, right[i]![1]))
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false
    return (a as ReadonlyArray<Value.Atom>).every((atom, i) => sameAtom(atom, (b as ReadonlyArray<Value.Atom>)[i]!))
  }
  return sameAtom(a as Value.Atom, b as Value.Atom)
}

/** ovsdb_datum_is_default: empty when the column may be, else one default atom (or pair). */
const isDefault = (type: DatabaseSchema.ColumnType, value: Value.Value): boolean => {
  if (value instanceof Map) {
    if (type.min === 0) return value.size === 0
    const [pair] = [...value]
    return value.size === 1 && Value.isDefaultAtom(type.key.type, pair![0]) &&
      Value.isDefaultAtom((type.value ?? type.key).type, pair![1])
  }
  if (Array.isArray(value)) {
    const atoms = value as ReadonlyArray<Value.Atom>
    return type.min === 0 ? atoms.length === 0 : atoms.length === 1 && Value.isDefaultAtom(type.key.type, atoms[0]!)
  }
  return Value.isDefaultAtom(type.key.type, value as Value.Atom)
}

/** A column that may hold more than one value (ovsdb_type_is_composite): its diff is not its new value. */
const isComposite = (type: DatabaseSchema.ColumnType): boolean => type.max === "unlimited" || type.max > 1

/** Merges two sorted lists of keys, calling `both` for a key in both and `one` for a key in one. */
const mergeSorted = <A>(
  left: ReadonlyArray<A>,
  right: ReadonlyArray<A>,
  keyOf: (item: A) => Value.Atom,
  visit: (left: A | undefined, right: A | undefined) => void
): void => {
  let i = 0
  let j = 0
  while (i < left.length || j < right.length) {
    const order = i >= left.length
      ? 1
      : j >= right.length
      ? -1
      : compareAtoms(keyOf(left[i]!), keyOf(right[j]!))
    if (order < 0) visit(left[i++], undefined)
    else if (order > 0) visit(undefined, right[j++])
    else visit(left[i++], right[j++])
  }
}

/** ovsdb_datum_diff: what a version 2 or 3 `modify` carries for one changed column. */
const diffValue = (type: DatabaseSchema.ColumnType, old: Value.Value, now: Value.Value): Value.Value => {
  if (!isComposite(type)) return now
  if (old instanceof Map && now instanceof Map) {
    const out = new Map<Value.Atom, Value.Atom>()
    mergeSorted([...old], [...now], ([key]) => key, (before, after) => {
      if (after === undefined) out.set(before![0], before![1])
      else if (before === undefined || !sameAtom(before[1], after[1])) out.set(after[0], after[1])
    })
    return out
  }
  const out: Array<Value.Atom> = []
  mergeSorted(old as ReadonlyArray<Value.Atom>, now as ReadonlyArray<Value.Atom>, (atom) => atom, (before, after) => {
    if (before === undefined || after === undefined) out.push((before ?? after)!)
  })
  return out
}

// --- reports ---

/** A row's value of a column: `_uuid` from the row's key when the row does not carry it. */
const valueOf = (row: Value.Row, column: string, uuid: string): Value.Value =>
  row[column] ?? (column === "_uuid" ? Value.uuid(uuid) : [])

/**
 * The kind a change is reported as under the table's filter (ovsdb-server's
 * `ovsdb_monitor_row_update_type_condition`), or `undefined` when it is not reported.
 */
const kindOf = (
  filter: Filter,
  initial: boolean,
  old: Value.Row | undefined,
  now: Value.Row | undefined,
  oldFilter: Filter
): Kind | undefined => {
  const kind: Kind = initial ? INITIAL : old === undefined ? INSERT : now === undefined ? DELETE : MODIFY
  const wasIn = old !== undefined && (oldFilter === undefined || oldFilter(old))
  const isIn = now !== undefined && (filter === undefined || filter(now))
  switch (kind) {
    case INITIAL:
    case INSERT:
      return isIn ? kind : undefined
    case DELETE:
      return wasIn ? kind : undefined
    case MODIFY:
      return wasIn && isIn ? MODIFY : isIn ? INSERT : wasIn ? DELETE : undefined
  }
}

/** The watched columns a modification changed, or `undefined` when it changed none. */
const changedColumns = (
  monitor: TableMonitor,
  uuid: string,
  old: Value.Row,
  now: Value.Row
): ReadonlyArray<Column> | undefined => {
  const changed = monitor.columns.filter((column) =>
    !sameValue(valueOf(old, column.name, uuid), valueOf(now, column.name, uuid))
  )
  return changed.length === 0 ? undefined : changed
}

/** A `<row-update>` (version 1) or `<row-update2>` (version 2 and 3), or `undefined` when none is sent. */
const rowUpdate = (
  monitor: TableMonitor,
  version: Version,
  kind: Kind,
  uuid: string,
  old: Value.Row | undefined,
  now: Value.Row | undefined
): Json | undefined => {
  if ((monitor.select & kind) === 0) return undefined
  const changed = kind === MODIFY ? changedColumns(monitor, uuid, old!, now!) : monitor.columns
  if (changed === undefined) return undefined
  const columns = monitor.columns.filter((column) => (column.select & kind) !== 0)
  const row = (source: Value.Row, which: ReadonlyArray<Column>, skipDefaults: boolean) => {
    const out: { [column: string]: Json } = {}
    for (const column of which) {
      const value = valueOf(source, column.name, uuid)
      if (!skipDefaults || !isDefault(column.type, value)) out[column.name] = encodeValue(value, column.type)
    }
    return out
  }
  if (version === 1) {
    switch (kind) {
      case DELETE:
        return { old: row(old!, columns, false) }
      case MODIFY:
        return {
          old: row(old!, columns.filter((column) => changed.includes(column)), false),
          new: row(now!, columns, false)
        }
      default:
        return { new: row(now!, columns, false) }
    }
  }
  switch (kind) {
    case DELETE:
      return { delete: null }
    case MODIFY: {
      const diff: { [column: string]: Json } = {}
      for (const column of columns) {
        if (!changed.includes(column)) continue
        const before = valueOf(old!, column.name, uuid)
        diff[column.name] = encodeValue(diffValue(column.type, before, valueOf(now!, column.name, uuid)), column.type)
      }
      return { modify: diff }
    }
    default:
      return { [kind === INITIAL ? "initial" : "insert"]: row(now!, columns, true) }
  }
}

/** Collects `<table-updates>`: rows by table; empty tables are left out, and so is an empty whole. */
class Updates {
  private readonly tables: { [table: string]: { [uuid: string]: Json } } = {}
  private empty = true

  add(table: string, uuid: string, update: Json | undefined): void {
    if (update === undefined) return
    ;(this.tables[table] ??= {})[uuid] = update
    this.empty = false
  }

  get json(): Json | undefined {
    return this.empty ? undefined : this.tables
  }
}

/**
 * A monitor's initial contents as `<table-updates>` (`{}` when there is nothing to report).
 *
 * @since 0.1.0
 * @category reports
 */
export const initial = (monitor: Monitor, engine: Engine): Json => {
  const updates = new Updates()
  for (const table of monitor.tables.values()) {
    if ((table.select & INITIAL) === 0) continue
    for (const [uuid, row] of engine.rows(table.table)) {
      const kind = kindOf(table.filter, true, undefined, row, table.filter)
      if (kind !== undefined) {
        updates.add(table.table, uuid, rowUpdate(table, monitor.version, kind, uuid, undefined, row))
      }
    }
  }
  return updates.json ?? {}
}

/**
 * Merges the changes of several commits, oldest first, into one change per row: its state before
 * the first and after the last (a row inserted and deleted in between is left out).
 *
 * @since 0.1.0
 * @category reports
 */
export const mergeChanges = (commits: ReadonlyArray<ReadonlyArray<Change>>): ReadonlyArray<Change> => {
  const merged = new Map<string, Change>()
  for (const changes of commits) {
    for (const change of changes) {
      const key = `${change.table}\u0000${change.uuid}`
      const earlier = merged.get(key)
      if (earlier === undefined) merged.set(key, change)
      else if (earlier.old === undefined && change.new === undefined) merged.delete(key)
      else merged.set(key, { ...earlier, new: change.new })
    }
  }
  return [...merged.values()]
}

/**
 * What a monitor reports for a commit's changes, as `<table-updates>`; `undefined` when none of
 * them is reported.
 *
 * @since 0.1.0
 * @category reports
 */
export const changes = (monitor: Monitor, changes: ReadonlyArray<Change>): Json | undefined => {
  const updates = new Updates()
  for (const change of changes) {
    const table = monitor.tables.get(change.table)
    if (table === undefined) continue
    const kind = kindOf(table.filter, false, change.old, change.new, table.filter)
    if (kind === undefined) continue
    updates.add(change.table, change.uuid, rowUpdate(table, monitor.version, kind, change.uuid, change.old, change.new))
  }
  return updates.json
}

/**
 * What makes monitors share one of ovsdb-server's `struct ovsdb_monitor` (monitor.c
 * `ovsdb_monitor_add`), whatever their sessions, versions and conditions' values: the tables, each
 * with its columns and their `select`, and the columns its conditions named (watched, not sent).
 *
 * @since 0.1.0
 * @category sharing
 */
export const shareKey = (monitor: Monitor): string =>
  JSON.stringify(
    [...monitor.tables.values()].map((table) => [
      table.table,
      table.columns.map((column) => [column.name, column.select]).sort(),
      [...table.conditionColumns].filter((name) => !table.columns.some((column) => column.name === name)).sort()
    ]).sort()
  )

/**
 * Whether a commit's changes concern what a monitor watches, as ovsdb-server classifies them for
 * its shared monitor (monitor.c `ovsdb_monitor_changes_classify`): an insert or a delete in a
 * table that reports that kind, a modification of a watched or condition column in one that
 * reports modifications. Such a commit starts the shared monitor's next change set.
 *
 * @since 0.1.0
 * @category sharing
 */
export const affects = (monitor: Monitor, changes: ReadonlyArray<Change>): boolean =>
  changes.some((change) => {
    const table = monitor.tables.get(change.table)
    if (table === undefined) return false
    if (change.old === undefined) return (table.select & INSERT) !== 0
    if (change.new === undefined) return (table.select & DELETE) !== 0
    if ((table.select & MODIFY) === 0) return false
    const [old, now] = [change.old, change.new]
    if (changedColumns(table, change.uuid, old, now) !== undefined) return true
    for (const name of table.conditionColumns) {
      if (!sameValue(valueOf(old, name, change.uuid), valueOf(now, name, change.uuid))) return true
    }
    return false
  })

/** One table's `<monitor-cond-change-request>`s, read: its new filter (when it has a `where`). */
const parseConditionChange = (
  engine: Engine,
  table: string,
  requests: Json
): Parsed<{ readonly filter: Filter; readonly columns: ReadonlyArray<string> } | undefined> => {
  if (!Array.isArray(requests)) {
    return failed(syntaxError(`table ${table} no monitor-cond-change JSON array`))
  }
  let change: { readonly filter: Filter; readonly columns: ReadonlyArray<string> } | undefined
  for (const request of requests as ReadonlyArray<Json>) {
    const parsed = parseMembers(request, `table ${table}`, [["columns", "array"], ["where", "array"]])
    if (parsed._tag === "Error") return parsed
    if (parsed.value.columns !== undefined) return failed(syntaxError("changing columns is unsupported", request))
    const filter = compileFilter(engine, table, parsed.value.where ?? [])
    if (filter._tag === "Error") return filter
    change = { filter: filter.value, columns: conditionColumnsOf(parsed.value.where) }
  }
  return ok(change)
}

/**
 * Checks a `monitor_cond_change` request's new conditions (ovsdb-server(7) §4.1.13) and returns
 * what applies them: it sets them and returns the `<table-updates>` they cause (rows now meeting
 * a table's condition inserted, rows no longer meeting it deleted), `undefined` when none. A
 * version 1 monitor takes the request but has no conditions to change.
 *
 * @since 0.1.0
 * @category conditions
 */
export const changeConditions = (
  monitor: Monitor,
  engine: Engine,
  requests: Json
): Parsed<() => Json | undefined> => {
  if (!isObject(requests)) return failed(syntaxError("monitor-cond-change-requests must be object"))
  const changes: Array<readonly [TableMonitor, Filter, ReadonlyArray<string>]> = []
  for (const name of memberOrder(Object.keys(requests))) {
    if (engine.schema.tables[name] === undefined) return failed(syntaxError(`no table named ${name}`))
    const table = monitor.tables.get(name)
    if (table === undefined) return failed(syntaxError(`no table named ${name} in monitor session`))
    const parsed = parseConditionChange(engine, name, requests[name]!)
    if (parsed._tag === "Error") return parsed
    if (parsed.value !== undefined && monitor.version !== 1) {
      changes.push([table, parsed.value.filter, parsed.value.columns])
    }
  }
  return ok(() => {
    const updates = new Updates()
    for (const [table, filter, columns] of changes) {
      const before = table.filter
      table.filter = filter
      for (const column of columns) table.conditionColumns.add(column)
      for (const [uuid, row] of engine.rows(table.table)) {
        const kind = kindOf(filter, false, row, row, before)
        if (kind === INSERT || kind === DELETE) {
          updates.add(table.table, uuid, rowUpdate(table, monitor.version, kind, uuid, row, row))
        }
      }
    }
    return updates.json
  })
}
