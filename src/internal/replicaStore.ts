/**
 * The rows of a replica and their indexes: pure and synchronous, so that every change is applied
 * whole between two reads, and so that it can be tested without a server.
 *
 * Rows are immutable objects, typed as the model says (`Value.normalize`), with `_uuid`; a change
 * replaces a row with a new object. Each change applied is returned as a `Change`, with the old
 * row, so that a consumer's derived state can follow; a full replacement (`replace`) is returned
 * as the changes that turn the old contents into the new ones.
 */
import type { ColumnType } from "../protocol/DatabaseSchema.js"
import * as Monitor from "../protocol/Monitor.js"
import type * as Operation from "../protocol/Operation.js"
import * as Value from "../protocol/Value.js"

/** A replicated row: its replicated columns, typed, and `_uuid`. */
export type Row = { readonly [column: string]: unknown }

/** One part of an index key: a column's whole value, or the value one map column has at `key`. */
export type IndexPart = string | readonly [column: string, key: Value.Atom]

/** An index: its key's parts, and whether the server keeps the key unique (a schema index). */
export interface IndexSpec {
  readonly parts: ReadonlyArray<IndexPart>
  readonly unique: boolean
}

/** One change of one row, as applied. */
export type Change =
  | { readonly _tag: "Insert"; readonly table: string; readonly uuid: string; readonly row: Row }
  | {
    readonly _tag: "Modify"
    readonly table: string
    readonly uuid: string
    readonly old: Row
    readonly row: Row
    /** The columns whose value changed. */
    readonly columns: ReadonlyArray<string>
  }
  | { readonly _tag: "Delete"; readonly table: string; readonly uuid: string; readonly old: Row }

/** What a table replicates: the type of each replicated column, and its indexes by name. */
export interface TableSpec {
  readonly types: { readonly [column: string]: ColumnType }
  readonly indexes: { readonly [name: string]: IndexSpec }
}

/**
 * An atom's text inside a set's or map's text: its length first, so that a string holding the
 * separators (`,` `=`) cannot pass for several atoms (the set `["a", "b"]` is not `["a,sb"]`, the
 * map `{a: "b=sc"}` is not `{"a=sb": "c"}`).
 */
const elementKey = (atom: Value.Atom): string => {
  const key = Value.atomKey(atom)
  return `${key.length}:${key}`
}

/** A map's pair as one text, for its value's text and for `includes` and `excludes`. */
const pairKey = (key: Value.Atom, value: Value.Atom): string => `${elementKey(key)}=${elementKey(value)}`

/**
 * A value in one canonical text, equal for equal values whatever their order (sets, maps), and
 * different for different values.
 */
export const valueKey = (value: unknown): string => {
  if (value === undefined) return "-"
  if (value instanceof Map) {
    return `{${[...(value as ReadonlyMap<Value.Atom, Value.Atom>)].map(([k, v]) => pairKey(k, v)).sort().join(",")}}`
  }
  if (Array.isArray(value)) return `[${value.map((atom) => elementKey(atom as Value.Atom)).sort().join(",")}]`
  return Value.atomKey(value as Value.Atom)
}

/** The value an index part reads from a row. */
const partValue = (row: Row, part: IndexPart): unknown => {
  if (typeof part === "string") return row[part]
  const map = row[part[0]]
  if (!(map instanceof Map)) return undefined
  const wanted = Value.atomKey(part[1])
  for (const [key, value] of map as ReadonlyMap<Value.Atom, Value.Atom>) if (Value.atomKey(key) === wanted) return value
  return undefined
}

/**
 * A key's parts in the order a range follows: numbers by value before text, text before the rest
 * (by their canonical text). An absent part (an empty optional column, a map without the key) is
 * `undefined`: its row is in no range.
 */
type Sortable = ReadonlyArray<number | bigint | string | undefined>

const sortable = (value: unknown): number | bigint | string | undefined =>
  value === undefined || typeof value === "number" || typeof value === "bigint" || typeof value === "string"
    ? value
    : valueKey(value)

const rank = (part: number | bigint | string) => typeof part === "string" ? 1 : 0

const compareParts = (a: ReadonlyArray<number | bigint | string>, b: Sortable): number => {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!
    const y = b[i]!
    if (rank(x) !== rank(y)) return rank(x) - rank(y)
    if (x < y) return -1
    if (x > y) return 1
  }
  return 0
}

/** One index of one table: its keys' rows, and (built when a range asks) the keys in order. */
class Index {
  /** A key's row, or its rows when several share it (never for a schema index): no Set per key for most. */
  private readonly byKey = new Map<string, string | Set<string>>()
  private sorted: Array<{ readonly key: ReadonlyArray<number | bigint | string>; readonly uuid: string }> | undefined
  /** The column of a one-column index on a string column: its values are their own keys (no copy per row). */
  private readonly text: string | undefined

  constructor(readonly spec: IndexSpec, types: TableSpec["types"]) {
    const [part] = spec.parts
    const type = typeof part === "string" ? types[part] : undefined
    const isText = spec.parts.length === 1 && type !== undefined && type.key.type === "string" && type.min === 1 &&
      type.max === 1 && type.value === undefined
    this.text = isText ? part as string : undefined
  }

  key(values: ReadonlyArray<unknown>): string {
    return values.map(valueKey).join("\u0000")
  }

  rowKey(row: Row): string {
    const parts = this.spec.parts
    if (this.text !== undefined) return row[this.text] as string
    return parts.length === 1
      ? valueKey(partValue(row, parts[0]!))
      : this.key(parts.map((part) => partValue(row, part)))
  }

  /** Moves a row whose value changed from its old key to its new one; nothing when the key is the same. */
  update(uuid: string, old: Row, row: Row) {
    if (this.rowKey(old) === this.rowKey(row)) return
    this.remove(uuid, old)
    this.add(uuid, row)
  }

  add(uuid: string, row: Row) {
    const key = this.rowKey(row)
    const present = this.byKey.get(key)
    if (present === undefined || present === uuid) this.byKey.set(key, uuid)
    else if (typeof present === "string") this.byKey.set(key, new Set([present, uuid]))
    else present.add(uuid)
    this.sorted = undefined
  }

  remove(uuid: string, row: Row) {
    const key = this.rowKey(row)
    const present = this.byKey.get(key)
    if (present === uuid) this.byKey.delete(key)
    else if (typeof present !== "string" && present !== undefined) {
      present.delete(uuid)
      if (present.size === 1) this.byKey.set(key, present.values().next().value!)
    }
    this.sorted = undefined
  }

  find(values: ReadonlyArray<unknown>): ReadonlyArray<string> {
    // A string column's index: only a string can match.
    if (this.text !== undefined && typeof values[0] !== "string") return []
    const present = this.byKey.get(this.text !== undefined ? values[0] as string : this.key(values))
    return present === undefined ? [] : typeof present === "string" ? [present] : [...present]
  }

  range(rows: ReadonlyMap<string, Row>, from: Sortable | undefined, to: Sortable | undefined): ReadonlyArray<string> {
    if (this.sorted === undefined) {
      this.sorted = []
      for (const [uuid, row] of rows) {
        const key = this.spec.parts.map((part) => sortable(partValue(row, part)))
        if (!key.includes(undefined)) this.sorted.push({ key: key as ReadonlyArray<number | bigint | string>, uuid })
      }
      this.sorted.sort((a, b) => compareParts(a.key, b.key))
    }
    const out: Array<string> = []
    for (const entry of this.sorted) {
      if (from !== undefined && compareParts(entry.key, from) < 0) continue
      if (to !== undefined && compareParts(entry.key, to) > 0) break
      out.push(entry.uuid)
    }
    return out
  }
}

/** A column's value as a set of atoms (a map's as its pairs' keys), for `includes` and `excludes`. */
const atomsOf = (value: unknown): ReadonlyArray<string> => {
  if (value === undefined) return []
  if (value instanceof Map) return [...(value as ReadonlyMap<Value.Atom, Value.Atom>)].map(([k, v]) => pairKey(k, v))
  if (Array.isArray(value)) return value.map((atom) => Value.atomKey(atom as Value.Atom))
  return [Value.atomKey(value as Value.Atom)]
}

/** The single number of a scalar or optional numeric column, for the inequalities. */
const numberOf = (value: unknown): number | bigint | undefined =>
  typeof value === "number" || typeof value === "bigint" ? value : undefined

/**
 * Whether a row meets one condition (RFC 7047 §5.1 <condition>): `==` and `!=` compare whole
 * values; `includes` holds when the column has every element (or pair) of the value, `excludes`
 * when it has none; the inequalities compare numbers, and do not hold for an empty optional column.
 */
export const meets = (type: ColumnType | undefined, row: Row, condition: Operation.Condition): boolean => {
  if (typeof condition === "boolean") return condition
  const actual = row[condition.column]
  const wanted = type === undefined ? condition.value : Value.normalize(type, condition.value)
  switch (condition.function) {
    case "==":
      return valueKey(actual) === valueKey(wanted)
    case "!=":
      return valueKey(actual) !== valueKey(wanted)
    case "includes": {
      const have = new Set(atomsOf(actual))
      return atomsOf(wanted).every((atom) => have.has(atom))
    }
    case "excludes": {
      const have = new Set(atomsOf(actual))
      return !atomsOf(wanted).some((atom) => have.has(atom))
    }
    default: {
      const a = numberOf(actual)
      const b = numberOf(wanted)
      if (a === undefined || b === undefined) return false
      switch (condition.function) {
        case "<":
          return a < b
        case "<=":
          return a <= b
        case ">":
          return a > b
        case ">=":
          return a >= b
      }
    }
  }
}

/** The rows and indexes of every replicated table. */
export class Store {
  private readonly tables = new Map<string, { readonly rows: Map<string, Row>; readonly indexes: Map<string, Index> }>()

  /**
   * Each table's empty row: `_uuid`, then every replicated column holding its default (one shared
   * value per column: rows are never changed in place). A row starts as a copy of it, so that every
   * row of a table has one shape, which V8 keeps compact and fast to copy; a row built by adding
   * its columns one by one falls back to a dictionary, at four times the memory.
   */
  private readonly templates = new Map<string, Row>()

  constructor(readonly specs: { readonly [table: string]: TableSpec }) {
    for (const [name, spec] of Object.entries(specs)) {
      const indexes = new Map(Object.entries(spec.indexes).map(([index, s]) => [index, new Index(s, spec.types)]))
      this.tables.set(name, { rows: new Map(), indexes })
      // Built in one step (a template made by adding its columns one by one is a dictionary, whose
      // copies cost twenty times as much to make).
      const defaults = Object.entries(spec.types).map(([column, type]) =>
        [column, Value.normalize(type, Monitor.defaultValue(type))] as const
      )
      this.templates.set(name, Object.fromEntries([["_uuid", undefined], ...defaults]))
    }
  }

  /** The rows of a table, by UUID text (empty for a table not replicated). */
  rows(table: string): ReadonlyMap<string, Row> {
    return this.tables.get(table)?.rows ?? new Map()
  }

  /** How many rows every table holds together. */
  get size(): number {
    let n = 0
    for (const table of this.tables.values()) n += table.rows.size
    return n
  }

  /** The rows whose index key is `values` (one per part); undefined for an index the table lacks. */
  find(table: string, index: string, values: ReadonlyArray<unknown>): ReadonlyArray<Row> | undefined {
    const t = this.tables.get(table)
    const found = t?.indexes.get(index)
    if (t === undefined || found === undefined) return undefined
    // One value per part: a part not given is an absent value.
    const key = this.keyValues(table, found, found.spec.parts.map((_, i) => values[i]))
    return found.find(key).map((uuid) => t.rows.get(uuid)!)
  }

  /** The rows whose index key lies between `from` and `to` (both included, either open), in key order. */
  range(
    table: string,
    index: string,
    from: ReadonlyArray<unknown> | undefined,
    to: ReadonlyArray<unknown> | undefined
  ): ReadonlyArray<Row> | undefined {
    const t = this.tables.get(table)
    const found = t?.indexes.get(index)
    if (t === undefined || found === undefined) return undefined
    // Bounds ordered as the keys are.
    const bound = (values: ReadonlyArray<unknown> | undefined) =>
      values === undefined ? undefined : this.keyValues(table, found, values).map(sortable)
    return found.range(t.rows, bound(from), bound(to)).map((uuid) => t.rows.get(uuid)!)
  }

  /** A key's values read as the index's columns hold them: an optional column's `[5]` is 5. */
  private keyValues(table: string, index: Index, values: ReadonlyArray<unknown>): ReadonlyArray<unknown> {
    const types = this.specs[table]!.types
    return values.map((value, i) => {
      const part = index.spec.parts[i]
      const type = typeof part === "string" ? types[part] : undefined
      return type === undefined ? value : Value.normalize(type, value as Value.Value)
    })
  }

  /**
   * The rows meeting every condition. An `==` on the whole key of a one-part index looks the rows
   * up in it; otherwise the table is scanned.
   */
  where(table: string, conditions: ReadonlyArray<Operation.Condition>): ReadonlyArray<Row> {
    const t = this.tables.get(table)
    if (t === undefined) return []
    const types = this.specs[table]!.types
    let candidates: Iterable<Row> = t.rows.values()
    for (const condition of conditions) {
      if (typeof condition === "boolean" || condition.function !== "==") continue
      const index = [...t.indexes.values()].find((i) =>
        i.spec.parts.length === 1 && i.spec.parts[0] === condition.column
      )
      const type = types[condition.column]
      if (index === undefined || type === undefined) continue
      candidates = index.find([Value.normalize(type, condition.value)]).map((uuid) => t.rows.get(uuid)!)
      break
    }
    const out: Array<Row> = []
    for (const row of candidates) {
      if (
        conditions.every((condition) =>
          meets(condition === true || condition === false ? undefined : types[condition.column], row, condition)
        )
      ) {
        out.push(row)
      }
    }
    return out
  }

  /** A row from an insert or initial row of the wire: every replicated column, defaults for those version 3 left out. */
  private fromWire(table: string, uuid: Value.Uuid, wire: Value.Row): Row {
    const types = this.specs[table]!.types
    const row: { [column: string]: unknown } = { ...this.templates.get(table)! }
    row._uuid = uuid
    for (const column in wire) {
      const type = types[column]
      if (type !== undefined && column !== "_uuid") row[column] = Value.normalize(type, wire[column]!)
    }
    return row
  }

  private put(table: string, uuid: string, row: Row) {
    const t = this.tables.get(table)!
    const old = t.rows.get(uuid)
    t.rows.set(uuid, row)
    for (const index of t.indexes.values()) {
      if (old === undefined) index.add(uuid, row)
      else index.update(uuid, old, row)
    }
  }

  private drop(table: string, uuid: string) {
    const t = this.tables.get(table)!
    const old = t.rows.get(uuid)
    if (old === undefined) return
    for (const index of t.indexes.values()) index.remove(uuid, old)
    t.rows.delete(uuid)
  }

  /**
   * Applies one update's row changes (version 3 `modify` diffs), in order; returns them as applied.
   * A change to a table not replicated is skipped. The session has checked that each fits the rows
   * (no insert of a row it has, no change to one it lacks); should one not fit all the same, it is
   * applied as what it makes of the row: an insert of a present row replaces it, a modify of an
   * absent row inserts what the diff gives, a delete of an absent row is nothing.
   */
  apply(updates: ReadonlyArray<Monitor.RowUpdate>): ReadonlyArray<Change> {
    const changes: Array<Change> = []
    for (const update of updates) {
      const t = this.tables.get(update.table)
      if (t === undefined) continue
      const uuid = update.uuid.value
      const old = t.rows.get(uuid)
      switch (update._tag) {
        case "Initial":
        case "Insert": {
          const row = this.fromWire(update.table, update.uuid, update.row)
          this.put(update.table, uuid, row)
          changes.push(
            old === undefined
              ? { _tag: "Insert", table: update.table, uuid, row }
              : this.modified(update.table, uuid, old, row)
          )
          break
        }
        case "Modify": {
          const types = this.specs[update.table]!.types
          const base = old ?? this.fromWire(update.table, update.uuid, {})
          const next: { [column: string]: unknown } = { ...base }
          const diff = update.diff ?? update.row ?? {}
          for (const column in diff) {
            const type = types[column]
            if (type === undefined) continue
            next[column] = update.diff === undefined
              ? Value.normalize(type, diff[column]!)
              : Value.normalize(type, Monitor.applyDiff(type, base[column] as Value.Value | undefined, diff[column]!))
          }
          this.put(update.table, uuid, next)
          changes.push(
            old === undefined
              ? { _tag: "Insert", table: update.table, uuid, row: next }
              : this.diffed(update.table, uuid, old, next, diff, update.diff !== undefined)
          )
          break
        }
        case "Delete":
          if (old === undefined) break
          this.drop(update.table, uuid)
          changes.push({ _tag: "Delete", table: update.table, uuid, old })
      }
    }
    return changes
  }

  /**
   * A modify by a diff: only the diff's columns can have changed. A version 2 or 3 diff of a set or
   * map column changes it whenever it is not empty (its elements are toggled), so only scalars are
   * compared; a version 1 row's columns are compared.
   */
  private diffed(table: string, uuid: string, old: Row, row: Row, diff: Value.Row, isDiff: boolean): Change {
    const types = this.specs[table]!.types
    const columns: Array<string> = []
    for (const column in diff) {
      const type = types[column]
      if (type === undefined) continue
      const value = diff[column]!
      const toggles = isDiff && (type.value !== undefined || type.max !== 1)
      const size = value instanceof Map ? value.size : Array.isArray(value) ? value.length : 1
      const changed = toggles ? size !== 0 : valueKey(old[column]) !== valueKey(row[column])
      if (changed) columns.push(column)
    }
    return { _tag: "Modify", table, uuid, old, row, columns }
  }

  /** A modify, with the replicated columns whose value changed. */
  private modified(table: string, uuid: string, old: Row, row: Row): Change {
    const columns = Object.keys(this.specs[table]!.types).filter((column) =>
      valueKey(old[column]) !== valueKey(row[column])
    )
    return { _tag: "Modify", table, uuid, old, row, columns }
  }

  /**
   * Takes a monitor's first contents into an empty store, as `replace` would, without making the
   * changes nobody asked for (a replica's first rows reach subscribers as their `Snapshot`).
   */
  load(rows: ReadonlyArray<Monitor.RowUpdate>): void {
    if (this.size > 0) {
      this.replace(rows)
      return
    }
    for (const update of rows) {
      if (update._tag !== "Initial" && update._tag !== "Insert") continue
      if (!this.tables.has(update.table)) continue
      this.put(update.table, update.uuid.value, this.fromWire(update.table, update.uuid, update.row))
    }
  }

  /**
   * Replaces every table's rows with `rows` (a resync's whole contents); returns what that changed:
   * a delete for each row gone, an insert for each new one, a modify for each whose value changed.
   */
  replace(rows: ReadonlyArray<Monitor.RowUpdate>): ReadonlyArray<Change> {
    const next = new Map<string, Map<string, Row>>()
    for (const name of this.tables.keys()) next.set(name, new Map())
    for (const update of rows) {
      if (update._tag !== "Initial" && update._tag !== "Insert") continue
      next.get(update.table)?.set(update.uuid.value, this.fromWire(update.table, update.uuid, update.row))
    }
    const changes: Array<Change> = []
    for (const [name, t] of this.tables) {
      const fresh = next.get(name)!
      for (const [uuid, old] of [...t.rows]) {
        if (fresh.has(uuid)) continue
        this.drop(name, uuid)
        changes.push({ _tag: "Delete", table: name, uuid, old })
      }
      for (const [uuid, row] of fresh) {
        const old = t.rows.get(uuid)
        if (old === undefined) {
          this.put(name, uuid, row)
          changes.push({ _tag: "Insert", table: name, uuid, row })
          continue
        }
        const change = this.modified(name, uuid, old, row) as Extract<Change, { _tag: "Modify" }>
        if (change.columns.length === 0) continue
        this.put(name, uuid, row)
        changes.push(change)
      }
    }
    return changes
  }
}
