/**
 * Random transactions over a database schema, for the differential test of the in-memory engine
 * against ovsdb-server (RFC 7047 §5.2): every operation, condition function, mutator and value kind,
 * valid and on purpose invalid, in sequences whose state builds up.
 *
 * The generator keeps a model of the database: the rows of every table, as the last full read of the
 * database showed them (`dump`, which the generator asks for every few transactions), plus the rows
 * its own successful inserts made since. It picks existing rows, their UUIDs and their values often,
 * so that most conditions match something and most transactions change something; now and then it
 * puts in something invalid on purpose (a value out of its column's range, an unknown column, a set
 * one element beyond its maximum, a reference to no row, an operation that does not parse).
 *
 * UUIDs the servers make are not known in advance and differ between servers, so the generator
 * works in the namespace the comparison gives them (see `differential.ts`): `["uuid", "#3"]` is the
 * third UUID seen in the sequence's replies, `["uuid", "v#3.2"]` the second version of that row
 * seen, and each side substitutes its own UUIDs before sending. UUIDs the generator makes itself
 * (for `insert` with `uuid`, and references to rows that do not exist) are the same on both sides:
 * they all begin with `LITERAL_PREFIX`, so the comparison leaves them as they are.
 *
 * ```ts
 * const generator = new Generator(schema, new Random(seed))
 * const transaction = generator.next()
 * // … run it against both servers, compare …
 * generator.observe(transaction, reply)
 * ```
 */
import type { Json } from "../../src/Json.js"
import type {
  BaseType,
  ColumnSchema,
  ColumnType,
  DatabaseSchema,
  TableSchema
} from "../../src/protocol/DatabaseSchema.js"
import type { Random } from "./Random.js"

// --- a small deterministic generator (sfc32, seeded through splitmix32) ---

/**
 * How often a transaction is built as `weakScenario` builds it (a row holding a weak reference
 * changed in the transaction that deletes the row it refers to): one in twenty unless
 * OVSDB_DIFF_WEAK_SCENARIO says otherwise.
 */
const WEAK_SCENARIO_RATE = Number(process.env.OVSDB_DIFF_WEAK_SCENARIO ?? 0.05)

// --- the namespace of UUIDs ---

/** Every UUID the generator makes begins with this; the comparison leaves such UUIDs as they are. */
export const LITERAL_PREFIX = "d1ff0000-0000-4000-8000-"

/** Whether a UUID text is one the generator made (the same on both sides). */
export const isLiteralUuid = (text: string): boolean => text.toLowerCase().startsWith(LITERAL_PREFIX)

/** Whether a string names a server-made UUID (`#3`) or row version (`v#3.2`) to substitute. */
export const isPlaceholder = (text: string): boolean => /^v?#\d+(?:\.\d+)?$/.test(text)

// --- the model ---

/** A row as the comparison's namespace shows it: wire values, UUIDs as placeholders. */
export type Row = { readonly [column: string]: Json }

/** What one transaction is, and what it was built to do. */
export interface Transaction {
  readonly database: string
  /** The operations, the params after the database name, with placeholders for server-made UUIDs. */
  readonly operations: ReadonlyArray<Json>
  /** `dump` reads every table whole (the model's refresh and a comparison of the whole database). */
  readonly kind: "generated" | "dump"
  /** Whether something invalid was put in on purpose (the transaction should fail). */
  readonly onPurpose: boolean
  /** What the transaction does, in a few words (for statistics and reports). */
  readonly summary: string
}

/** One referring column: `table.column` holds references to `target` (as keys or values). */
interface Referrer {
  readonly table: string
  readonly column: string
  readonly strong: boolean
}

const INT64_MAX = 2n ** 63n - 1n
const INT64_MIN = -(2n ** 63n)
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/** An integer as a JSON value: a `number` when exact, a `bigint` beyond ±(2^53 - 1) (as the codec reads it). */
const exact = (n: bigint): number | bigint => n >= -MAX_SAFE && n <= MAX_SAFE ? Number(n) : n

const STRINGS: ReadonlyArray<string> = [
  "",
  "a",
  "b",
  "x",
  "y",
  "alpha",
  "beta",
  "gamma",
  "é",
  "☃",
  "😀",
  "日本語",
  "\"quoted\"",
  "it's",
  "back\\slash",
  "tab\there",
  "line\nbreak",
  "<>&",
  " spaced ",
  "ñandú",
  "a=b,c",
  "{}",
  "[]",
  "null",
  "42",
  "-0.5",
  `${LITERAL_PREFIX}000000000001`,
  "zzz",
  "ZZ",
  "\u007f\u0001"
]

/** Names for index columns: a small pool, so that rows collide now and then. */
const NAMES: ReadonlyArray<string> = ["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10", "n11"]

const REALS: ReadonlyArray<number> = [
  0,
  1,
  -1,
  0.5,
  -0.25,
  0.1,
  1 / 3,
  2.5,
  -2.5,
  1000,
  1e10,
  1e-10,
  123.456,
  1e300,
  -1e300,
  2 ** 53,
  1.7976931348623157e308,
  3
]

const INTEGERS: ReadonlyArray<bigint> = [
  0n,
  1n,
  -1n,
  2n,
  3n,
  7n,
  42n,
  100n,
  -100n,
  4095n,
  4096n,
  2n ** 31n - 1n,
  2n ** 32n,
  MAX_SAFE,
  MAX_SAFE + 1n,
  MAX_SAFE + 2n,
  -(MAX_SAFE + 2n),
  INT64_MAX,
  INT64_MAX - 1n,
  INT64_MIN,
  INT64_MIN + 1n,
  2n ** 62n
]

const FUNCTIONS = ["<", "<=", "==", "!=", ">=", ">", "includes", "excludes"] as const
const MUTATORS = ["+=", "-=", "*=", "/=", "%=", "insert", "delete"] as const

const isScalar = (type: ColumnType) => type.min === 1 && type.max === 1 && type.value === undefined
const maxOf = (type: ColumnType) => type.max === "unlimited" ? Infinity : type.max
const isNumeric = (base: BaseType) => base.type === "integer" || base.type === "real"
/**
 * Whether ovsdb-server refuses a scalar column's default value (0, "", false or the all-zero UUID):
 * an enum without it, a minimum length, bounds without 0, a reference (to no row).
 */
const defaultRefused = (base: BaseType): boolean =>
  base.enum !== undefined && !base.enum.some((atom) => atom === 0 || atom === "" || atom === false) ||
  (base.minLength ?? 0) > 0 ||
  BigInt(base.minInteger ?? 0) > 0n || BigInt(base.maxInteger ?? 0) < 0n ||
  (base.minReal ?? 0) > 0 || (base.maxReal ?? 0) < 0 ||
  base.refTable !== undefined

/** Whether arithmetic mutators apply to a column: integers or reals, alone or in a set. */
const isMutable = (type: ColumnType) => isNumeric(type.key) && type.value === undefined
const hasRef = (type: ColumnType, table: string) => type.key.refTable === table || type.value?.refTable === table

/** The state one transaction is built in: its operations so far, and the uuid-names it defined. */
interface Building {
  readonly ops: Array<Json>
  /** uuid-names defined (or promised by a later insert) in this transaction, by table. */
  readonly names: Array<{ readonly name: string; readonly table: string }>
  /** Inserts of rows that something in the operation being built refers to by a new uuid-name. */
  children: Array<Json>
  depth: number
  /** Whether this transaction may have something invalid put in on purpose (one in four). */
  readonly invalid: boolean
  onPurpose: boolean
  readonly parts: Array<string>
}

/**
 * Makes transactions for one database and learns from their replies. `next` gives the next one
 * (every `dumpEvery`-th a dump); `observe` takes its reply as the comparison names it.
 */
export class Generator {
  /** The rows of every table, by label, as far as the generator knows. */
  readonly rows = new Map<string, Map<string, Row>>()
  private readonly referrers = new Map<string, ReadonlyArray<Referrer>>()
  /** For each table some weak reference points into, the tables whose rows hold such references. */
  private readonly weakReferrers = new Map<string, Set<string>>()
  private count = 0
  private literals = 0
  private names = 0

  constructor(
    readonly schema: DatabaseSchema,
    readonly random: Random,
    readonly options: {
      readonly dumpEvery: number
      readonly lock: string
      /**
       * Whether a transaction may change a row holding a weak reference and delete the row it refers
       * to (default true). A standalone ovsdb-server 3.1 then keeps a reference in a set or map when
       * it walks the referring row first, a clustered one replays the transaction from its log in
       * another order: the two disagree, so a comparison with a clustered server leaves them out.
       */
      readonly weakRaces?: boolean
    }
  ) {
    for (const name of this.tableNames()) {
      this.rows.set(name, new Map())
      const referrers: Array<Referrer> = []
      for (const [tableName, table] of Object.entries(schema.tables)) {
        for (const column of this.userColumns(table)) {
          if (hasRef(column.type, name)) {
            const base = column.type.key.refTable === name ? column.type.key : column.type.value!
            referrers.push({ table: tableName, column: column.name, strong: base.refType !== "weak" })
            if (base.refType === "weak") {
              const referrersOfName = this.weakReferrers.get(name) ?? new Set<string>()
              referrersOfName.add(tableName)
              this.weakReferrers.set(name, referrersOfName)
            }
          }
        }
      }
      this.referrers.set(name, referrers)
    }
  }

  /** The tables, sorted. */
  tableNames(): ReadonlyArray<string> {
    return Object.keys(this.schema.tables).sort()
  }

  /** The transaction that reads every table whole. */
  dump(): Transaction {
    return {
      database: this.schema.name,
      operations: this.tableNames().map((table) => ({ op: "select", table, where: [] })),
      kind: "dump",
      onPurpose: false,
      summary: "dump"
    }
  }

  /**
   * Monitor requests (RFC 7047 §4.1.5, ovsdb-server(7) §4.1.12) for two to five tables, the
   * populated ones more often: some columns or all, some `select` flags or none, and with
   * `conditional` a `where` of clauses that often match a row. With `invalid` a table or column
   * that does not exist, now and then.
   */
  monitorRequests(conditional: boolean, invalid = false): Json {
    const requests: { [table: string]: Json } = {}
    const count = this.random.between(2, 5)
    for (let i = 0; i < count; i++) {
      const table = this.pickTable(false)
      const request: { [key: string]: Json } = {}
      if (this.random.chance(0.6)) {
        // At least one: ovsdb-server 3.1 dies (SIGSEGV) when a row is deleted from a table that two
        // monitors with `columns: []` on one session watch (one selecting inserts, one modifications).
        const names = this.userColumns(this.schema.tables[table]!).map((c) => c.name)
        const columns: Array<Json> = this.random.subset(names, 4)
        if (columns.length === 0) columns.push(this.random.pick(names))
        if (invalid && this.random.chance(0.2)) columns.push("no_such_column")
        request.columns = columns
      }
      if (this.random.chance(0.5)) {
        const select: { [key: string]: Json } = {}
        for (const flag of ["initial", "insert", "delete", "modify"]) {
          if (this.random.chance(0.6)) select[flag] = this.random.chance(0.7)
        }
        request.select = select
      }
      if (conditional && this.random.chance(0.8)) {
        request.where = this.conditions(table, request.columns as ReadonlyArray<string> | undefined)
      }
      requests[invalid && this.random.chance(0.1) ? "No_Such_Table" : table] = request
    }
    return requests
  }

  /**
   * A monitor's condition on `table` (ovsdb-server(7) §5.1): valid clauses, often matching a row,
   * on the given columns only (the monitored ones, when a request names them).
   *
   * The clauses never test `_uuid` or `_version`, nor a column the monitor leaves out: ovsdb-server
   * 3.1 dies (SIGSEGV) when a row is inserted or deleted while such a monitor watches the table after
   * another one on the same session (a condition on `_uuid` alone; on `_version` beside two monitors
   * with `columns: []`; on a column outside `columns` beside a monitor of the same columns).
   */
  conditions(table: string, columns?: ReadonlyArray<string>): Json {
    const building: Building = {
      ops: [],
      names: [],
      children: [],
      depth: 3,
      invalid: false,
      onPurpose: false,
      parts: []
    }
    const names = columns ?? this.userColumns(this.schema.tables[table]!).map((column) => column.name)
    const row = this.pickRow(table)
    const count = this.random.weighted<number>([[2, 0], [5, 1], [2, 2], [0.5, 3]])
    const clauses: Array<Json> = []
    for (let i = 0; i < count && names.length > 0; i++) {
      if (this.random.chance(0.05)) {
        clauses.push(this.random.chance(0.7))
        continue
      }
      const clause = this.condition(building, table, row, this.random.pick(names))
      // A condition cannot name rows of a transaction.
      if (!JSON.stringify(clause, bigintText).includes("named-uuid")) clauses.push(sendable(clause))
    }
    return clauses
  }

  /** Forgets every row (the database was emptied). */
  reset(): void {
    for (const rows of this.rows.values()) rows.clear()
    this.count = 0
  }

  /** The next transaction. */
  next(): Transaction {
    this.count++
    if (this.count % this.options.dumpEvery === 0) return this.dump()
    const building: Building = {
      ops: [],
      names: [],
      children: [],
      depth: 0,
      invalid: this.random.chance(0.25),
      onPurpose: false,
      parts: []
    }
    if (this.options.weakRaces !== false && this.random.chance(WEAK_SCENARIO_RATE) && this.weakScenario(building)) {
      // A transaction built for one case (below), which random operations seldom make.
    } else {
      const length = this.random.weighted<number>([[5, 1], [4, 2], [3, 3], [2, 4], [1, 6]])
      for (let i = 0; i < length; i++) this.operation(building)
      const defined = building.names[0]
      if (defined !== undefined && this.invalid(building, 0.08)) {
        // The same uuid-name defined twice.
        building.parts.push("duplicate uuid-name")
        building.ops.push(this.insertOp(building, defined.table, defined.name))
      }
    }
    return {
      database: this.schema.name,
      operations: this.withoutWeakRace(building.ops).map(sendable),
      kind: "generated",
      onPurpose: building.onPurpose,
      summary: building.parts.join(", ")
    }
  }

  /**
   * Learns from a reply (the comparison's canonical form): a dump's rows replace the model's; a
   * committed transaction's inserts add their rows.
   */
  observe(transaction: Transaction, reply: Json): void {
    if (!Array.isArray(reply)) return
    if (transaction.kind === "dump") {
      this.tableNames().forEach((table, i) => {
        const result = reply[i] as { readonly rows?: ReadonlyArray<Row> } | undefined
        const rows = this.rows.get(table)!
        rows.clear()
        for (const row of result?.rows ?? []) {
          const uuid = row._uuid
          if (Array.isArray(uuid) && typeof uuid[1] === "string") rows.set(uuid[1], row)
        }
      })
      return
    }
    const failed = reply.some((result) => isObject(result) && "error" in result)
    if (failed) return
    transaction.operations.forEach((op, i) => {
      const result = reply[i]
      if (!isObject(op) || op.op !== "insert" || typeof op.table !== "string" || !isObject(result)) return
      const uuid = result.uuid
      const rows = this.rows.get(op.table)
      // A non-root table's row may have been collected at once: the next dump tells.
      if (this.schema.tables[op.table]?.isRoot !== true) return
      if (rows === undefined || !Array.isArray(uuid) || typeof uuid[1] !== "string") return
      const row: { [column: string]: Json } = { _uuid: uuid }
      if (isObject(op.row)) {
        for (const [column, value] of Object.entries(op.row)) {
          if (!JSON.stringify(value, bigintText).includes("named-uuid")) row[column] = value
        }
      }
      rows.set(uuid[1], row)
    })
  }

  /**
   * A row that holds a weak reference changed (an update or mutate of another of its columns) in
   * the transaction that deletes the row referred to, in either order: the reference must go
   * (RFC 7047 §3.2 weak references) from the changed row too. Only for a referring table other than
   * the one referred to (see `withoutWeakRace`). Whether the model had such a pair.
   */
  private weakScenario(building: Building): boolean {
    const pairs: Array<{ readonly table: string; readonly column: string; readonly row: Row; readonly target: Json }> =
      []
    for (const [target, referrers] of this.weakReferrers) {
      const present = new Set([...this.rows.get(target)!.values()].map((row) => JSON.stringify(row._uuid)))
      for (const table of referrers) {
        if (table === target) continue
        for (const column of this.userColumns(this.schema.tables[table]!)) {
          if (!hasRef(column.type, target)) continue
          for (const row of this.rows.get(table)!.values()) {
            for (const uuid of uuidsIn(row[column.name])) {
              if (present.has(JSON.stringify(uuid))) pairs.push({ table, column: column.name, row, target: uuid })
            }
          }
        }
      }
    }
    if (pairs.length === 0) return false
    const pair = this.random.pick(pairs)
    const targetTable =
      [...this.weakReferrers].find(([target]) =>
        [...this.rows.get(target)!.values()].some((row) => JSON.stringify(row._uuid) === JSON.stringify(pair.target))
      )![0]
    const others = this.userColumns(this.schema.tables[pair.table]!).filter((column) =>
      column.mutable && column.name !== pair.column
    )
    const other = others.length > 0 && this.random.chance(0.5) ? this.random.pick(others) : undefined
    const change: Json = other !== undefined
      ? {
        op: "update",
        table: pair.table,
        where: [["_uuid", "==", pair.row._uuid!]],
        row: { [other.name]: this.datum(building, pair.table, other) }
      }
      : {
        op: "mutate",
        table: pair.table,
        where: [["_uuid", "==", pair.row._uuid!]],
        mutations: [this.mutation(building, pair.table)]
      }
    const remove: Json = { op: "delete", table: targetTable, where: [["_uuid", "==", pair.target]] }
    building.parts.push(`weak reference from a changed ${pair.table} row to a deleted ${targetTable} row`)
    building.ops.push(...(this.random.chance(0.5) ? [change, remove] : [remove, change]), ...building.children)
    building.children = []
    return true
  }

  // --- operations ---

  private operation(building: Building): void {
    const kind = this.random.weighted<string>([
      [26, "insert"],
      [14, "select"],
      [13, "update"],
      [16, "mutate"],
      [8, "delete"],
      [8, "wait"],
      [2, "commit"],
      [building.invalid ? 3 : 0, "abort"],
      [2, "comment"],
      [2, "assert"],
      [building.invalid ? 10 : 0, "invalid"]
    ])
    building.parts.push(kind)
    switch (kind) {
      case "insert":
        return this.insert(building)
      case "select":
        return void building.ops.push(this.select(building))
      case "update":
        return this.withChildren(building, () => this.update(building))
      case "mutate":
        return this.withChildren(building, () => this.mutate(building))
      case "delete":
        return void building.ops.push(this.delete(building))
      case "wait":
        return void building.ops.push(this.wait(building))
      case "commit":
        return void building.ops.push({ op: "commit", durable: this.random.chance(0.3) })
      case "abort":
        building.onPurpose = true
        return void building.ops.push({ op: "abort" })
      case "comment":
        return void building.ops.push({ op: "comment", comment: this.random.pick(STRINGS) })
      case "assert": {
        const held = !this.invalid(building, 0.5)
        return void building.ops.push({ op: "assert", lock: held ? this.options.lock : "not_held" })
      }
      default:
        building.onPurpose = true
        return void building.ops.push(this.invalidOperation(building))
    }
  }

  /** Runs `make` (which may ask for new child rows), then places those inserts before or after its op. */
  private withChildren(building: Building, make: () => Json): void {
    const outer = building.children
    building.children = []
    const op = make()
    const children = building.children
    building.children = outer
    if (this.random.chance(0.5)) building.ops.push(...children, op)
    else building.ops.push(op, ...children)
  }

  /**
   * An insert into a random table; a non-root table's row usually comes with a row referring to
   * it (a new one or an existing one mutated), before or after it, so that it is not collected.
   */
  private insert(building: Building): void {
    const table = this.pickTable(true)
    const name = this.random.chance(0.7) ? this.newName() : undefined
    this.withChildren(building, () => this.insertOp(building, table, name))
    if (name === undefined || this.schema.tables[table]!.isRoot || this.random.chance(0.1)) return
    this.referTo(building, table, name)
  }

  /** Makes something refer to the row `table` inserted as `name`. */
  private referTo(building: Building, table: string, name: string): void {
    const referrers = (this.referrers.get(table) ?? []).filter((referrer) => referrer.strong)
    if (referrers.length === 0) return
    const referrer = this.random.pick(referrers)
    const column = this.schema.tables[referrer.table]!.columns[referrer.column]!
    const reference: Json = ["named-uuid", name]
    const existing = this.pickRow(referrer.table)
    if (existing !== undefined && this.random.chance(0.6) && column.mutable) {
      const value: Json = column.type.value === undefined
        ? ["set", [reference]]
        : column.type.key.refTable === table
        ? ["map", [[reference, this.atom(column.type.value, building, referrer.table, referrer.column)]]]
        : ["map", [[this.atom(column.type.key, building, referrer.table, referrer.column), reference]]]
      const where = [["_uuid", "==", existing._uuid!]]
      building.ops.push(
        maxOf(column.type) > 1
          ? { op: "mutate", table: referrer.table, where, mutations: [[referrer.column, "insert", value]] }
          : { op: "update", table: referrer.table, where, row: { [referrer.column]: value } }
      )
      return
    }
    if (building.depth > 2) return
    building.depth++
    const parentName = this.newName()
    const row = this.row(building, referrer.table, {
      [referrer.column]: this.holding(column.type, table, reference, building, referrer.table)
    })
    building.depth--
    const op = { op: "insert", table: referrer.table, row, "uuid-name": parentName }
    building.names.push({ name: parentName, table: referrer.table })
    if (this.random.chance(0.5)) building.ops.push(op)
    else building.ops.splice(Math.max(0, building.ops.length - 1), 0, op) // before the child: a forward reference
    if (!this.schema.tables[referrer.table]!.isRoot) this.referTo(building, referrer.table, parentName)
  }

  /** A value of `type` that holds `reference` to a row of `target`. */
  private holding(type: ColumnType, target: string, reference: Json, building: Building, table: string): Json {
    if (type.value !== undefined) {
      return type.key.refTable === target
        ? ["map", [[reference, this.atom(type.value, building, table, "")]]]
        : ["map", [[this.atom(type.key, building, table, ""), reference]]]
    }
    return isScalar(type) || this.random.chance(0.5) ? reference : ["set", [reference]]
  }

  /** An insert op for `table`, under `name` when given, sometimes with a UUID of the generator's own. */
  private insertOp(building: Building, table: string, name: string | undefined): Json {
    const op: { [key: string]: Json } = { op: "insert", table, row: this.row(building, table, {}) }
    if (name !== undefined) {
      op["uuid-name"] = name
      building.names.push({ name, table })
    }
    if (this.random.chance(0.08)) {
      const existing = this.pickRow(table)
      if (existing !== undefined && this.invalid(building, 0.3)) {
        building.parts.push("duplicate uuid")
        op.uuid = (existing._uuid as ReadonlyArray<string>)[1]!
      } else op.uuid = this.literalUuid()
    }
    return op
  }

  /** A row for an insert: the columns that need a value, some others, and `given`. */
  private row(building: Building, table: string, given: { readonly [column: string]: Json }): Json {
    const row: { [column: string]: Json } = {}
    for (const column of this.userColumns(this.schema.tables[table]!)) {
      if (column.name in given) continue
      const needed = column.type.min > 0 && (!isScalar(column.type) || defaultRefused(column.type.key))
      if (needed ? this.random.chance(0.95) : this.random.chance(0.35)) {
        row[column.name] = this.datum(building, table, column)
      }
    }
    if (this.invalid(building, 0.05)) {
      building.parts.push("unknown column")
      row.no_such_column = 1
    }
    return { ...row, ...given }
  }

  private select(building: Building): Json {
    const table = this.pickTable(false)
    const op: { [key: string]: Json } = { op: "select", table, where: this.where(building, table) }
    if (this.random.chance(0.5)) op.columns = this.columns(building, table)
    return op
  }

  private update(building: Building): Json {
    const table = this.pickTable(false)
    const columns = this.userColumns(this.schema.tables[table]!)
    const row: { [column: string]: Json } = {}
    for (const column of this.random.subset(columns, 3)) {
      if (!column.mutable) {
        if (!this.invalid(building, 0.5)) continue
        building.parts.push("immutable column")
      }
      row[column.name] = this.datum(building, table, column)
    }
    if (this.invalid(building, 0.05)) row[this.random.pick(["_uuid", "_version"])] = ["uuid", this.literalUuid()]
    return { op: "update", table, where: this.where(building, table), row }
  }

  private mutate(building: Building): Json {
    const table = this.pickTable(false)
    const count = this.random.weighted<number>([[6, 1], [3, 2], [1, 3], [0.3, 0]])
    const mutations: Array<Json> = []
    for (let i = 0; i < count; i++) mutations.push(this.mutation(building, table))
    return { op: "mutate", table, where: this.where(building, table), mutations }
  }

  private delete(building: Building): Json {
    const table = this.pickTable(false)
    return { op: "delete", table, where: this.where(building, table) }
  }

  /**
   * A wait (RFC 7047 §5.2.6) with timeout 0: on one row by its UUID with that row's values (so
   * `==` often holds), or on any condition with no rows or perturbed ones.
   */
  private wait(building: Building): Json {
    const table = this.pickTable(false)
    const tableSchema = this.schema.tables[table]!
    const row = this.pickRow(table)
    const columns = this.random.subset(this.userColumns(tableSchema).map((column) => column.name), 3)
    if (this.random.chance(0.1)) columns.push("_uuid")
    let where: Json
    let rows: Array<Json>
    if (row !== undefined && this.random.chance(0.7)) {
      where = [["_uuid", "==", row._uuid!]]
      const projected: { [column: string]: Json } = {}
      for (const column of columns) {
        projected[column] = row[column] ?? this.datum(building, table, tableSchema.columns[column]!)
      }
      if (this.random.chance(0.25) && columns.length > 0) {
        const column = this.random.pick(columns)
        projected[column] = this.datum(building, table, tableSchema.columns[column]!)
      }
      rows = this.random.chance(0.85) ? [projected] : []
    } else {
      where = this.where(building, table)
      rows = []
    }
    const op: { [key: string]: Json } = {
      op: "wait",
      table,
      where,
      columns,
      until: this.random.pick(["==", "!="]),
      rows,
      timeout: 0
    }
    if (this.invalid(building, 0.05)) op.until = "<"
    return op
  }

  /** An operation ovsdb-server refuses before it runs anything: a syntax error of some kind. */
  private invalidOperation(building: Building): Json {
    const table = this.pickTable(false)
    const kind = this.random.int(14)
    building.parts.push(`invalid ${kind}`)
    switch (kind) {
      case 0:
        return { op: "frobnicate", table }
      case 1:
        return { op: "select", table: "No_Such_Table", where: [] }
      case 2:
        return { op: "select", where: [] }
      case 3:
        return { op: "select", table, where: 5 }
      case 4:
        return { op: "select", table, where: [["_uuid", "=="]] }
      case 5:
        return { op: "select", table, where: [["_uuid", "~=", ["uuid", this.literalUuid()]]] }
      case 6:
        return { op: "select", table, where: [], columns: ["no_such_column"] }
      case 7:
        return { op: "insert", table, row: {}, "uuid-name": "1-not-an-id" }
      case 8:
        return { op: "insert", table, row: [] }
      case 9:
        return this.random.pick<Json>([5, "select", null, [], true])
      case 10:
        return { op: "select", table, where: [], extra: 1 }
      case 11:
        return { op: "insert", table, row: {}, uuid: "not-a-uuid" }
      case 12:
        return { op: "update", table, where: [], row: { [this.pickColumn(table).name]: ["named-uuid", "nobody"] } }
      default:
        return { op: "comment", comment: 5 }
    }
  }

  // --- conditions, columns, mutations ---

  private where(building: Building, table: string): Json {
    const row = this.pickRow(table)
    if (row !== undefined && this.random.chance(0.45)) {
      const clauses: Array<Json> = [["_uuid", this.random.chance(0.9) ? "==" : "!=", row._uuid!]]
      if (this.random.chance(0.3)) clauses.push(this.condition(building, table, row))
      return clauses
    }
    const count = this.random.weighted<number>([[3, 0], [5, 1], [2, 2], [0.5, 3]])
    const clauses: Array<Json> = []
    for (let i = 0; i < count; i++) {
      clauses.push(this.random.chance(0.03) ? this.random.chance(0.7) : this.condition(building, table, row))
    }
    return clauses
  }

  /** A clause `[column, function, value]`, mostly one the column's type allows, its value often a row's. */
  private condition(building: Building, table: string, row: Row | undefined, only?: string): Json {
    const column = only !== undefined
      ? this.schema.tables[table]!.columns[only]!
      : this.random.chance(0.08)
      ? this.schema.tables[table]!.columns[this.random.pick(["_uuid", "_version"])]!
      : this.pickColumn(table)
    const type = column.type
    const ordered = isNumeric(type.key) && type.value === undefined && maxOf(type) === 1
    const fn = ordered && this.random.chance(0.5)
      ? this.random.pick(["<", "<=", ">=", ">"])
      : this.invalid(building, 0.1)
      ? this.random.pick(FUNCTIONS)
      : this.random.pick(["==", "!=", "includes", "excludes"])
    const current = row?.[column.name]
    if (fn === "<" || fn === "<=" || fn === ">=" || fn === ">") {
      const atom = current !== undefined && this.random.chance(0.5) ? firstAtom(current) : undefined
      return [column.name, fn, atom ?? this.atom(column.type.key, building, table, column.name)]
    }
    if (current !== undefined && this.random.chance(0.6)) {
      return [column.name, fn, fn === "includes" || fn === "excludes" ? this.part(current) : current]
    }
    return [column.name, fn, this.datum(building, table, column, true)]
  }

  /** Part of a set or map value (for includes and excludes). */
  private part(value: Json): Json {
    if (Array.isArray(value) && (value[0] === "set" || value[0] === "map") && Array.isArray(value[1])) {
      return [value[0], this.random.subset(value[1], 2)]
    }
    return value
  }

  private columns(building: Building, table: string): Json {
    const names = Object.keys(this.schema.tables[table]!.columns)
    const columns: Array<Json> = this.random.subset(names, 4)
    if (this.invalid(building, 0.05)) columns.push("no_such_column")
    if (this.random.chance(0.03) && columns.length > 0) columns.push(columns[0]!) // a column twice
    return columns
  }

  /** A mutation, mostly one the column's type allows (RFC 7047 §5.1 <mutation>). */
  private mutation(building: Building, table: string): Json {
    const mutable = this.userColumns(this.schema.tables[table]!).filter((column) =>
      column.mutable && (isMutable(column.type) || column.type.value !== undefined || maxOf(column.type) > 1)
    )
    const column = this.invalid(building, 0.1)
      ? this.random.chance(0.2) ? this.schema.tables[table]!.columns["_uuid"]! : this.pickColumn(table)
      : mutable.length > 0
      ? this.random.pick(mutable)
      : this.pickColumn(table)
    const type = column.type
    const numeric = isMutable(type)
    const collection = maxOf(type) > 1 || type.value !== undefined
    let mutator: string
    if (this.invalid(building, 0.1)) mutator = this.random.pick(MUTATORS)
    else if (numeric && (!collection || this.random.chance(0.5))) {
      mutator = this.random.pick(type.key.type === "real" ? ["+=", "-=", "*=", "/="] : ["+=", "-=", "*=", "/=", "%="])
    } else if (collection) mutator = this.random.pick(["insert", "delete"])
    else mutator = this.random.pick(MUTATORS)
    if (!column.mutable || column.name === "_uuid") building.onPurpose = true
    if (mutator === "insert" || mutator === "delete") {
      if (type.value !== undefined && mutator === "delete" && this.random.chance(0.5)) {
        // A map's delete takes keys alone too.
        const keys = this.collection({ key: type.key, min: 0, max: 3 }, building, table, column.name, false)
        return [column.name, mutator, keys]
      }
      const row = this.pickRow(table)
      const current = row?.[column.name]
      const value = current !== undefined && mutator === "delete" && this.random.chance(0.6)
        ? this.part(current)
        : this.collection({ ...type, min: 0, max: Math.min(maxOf(type), 3) }, building, table, column.name, true)
      return [column.name, mutator, value]
    }
    // Arithmetic: small operands mostly, sometimes zero (a domain error) or a large one (a range error).
    // Never an integer `*= 0`: ovsdb-server 3.1's overflow check then divides by zero and the server
    // dies of SIGFPE when the value is negative (mul_int in ovsdb/mutation.c).
    if (mutator === "*=" && type.key.type === "integer") {
      return [column.name, mutator, this.random.pick([2, -1, 3, exact(INT64_MAX), exact(INT64_MIN), -7])]
    }
    const operand = type.key.type === "real"
      ? this.random.weighted<Json>([[6, this.random.pick([1, 2, 0.5, -1, 3.25])], [0.5, 0], [1, 1e300], [
        1,
        this.realAtom(type.key)
      ]])
      : type.key.type === "integer"
      ? this.random.weighted<Json>([[6, this.random.between(-3, 5)], [0.5, 0], [1, exact(INT64_MAX)], [
        1,
        this.integerAtom(type.key)
      ]])
      : this.atom(type.key, building, table, column.name)
    return [column.name, mutator, operand]
  }

  // --- values ---

  /** A value for a column: mostly valid, sometimes one its type refuses. */
  private datum(building: Building, table: string, column: ColumnSchema, forCondition = false): Json {
    const type = column.type
    if (this.invalid(building, 0.08)) return this.invalidDatum(building, table, column)
    if (!forCondition && this.random.chance(0.25)) {
      const row = this.pickRow(table)
      const current = row?.[column.name]
      if (current !== undefined) return current
    }
    if (isScalar(type)) return this.atom(type.key, building, table, column.name)
    if (type.value === undefined && maxOf(type) === 1 && this.random.chance(0.4)) {
      return this.random.chance(0.5)
        ? this.atom(type.key, building, table, column.name)
        : ["set", this.random.chance(0.2) ? [] : [this.atom(type.key, building, table, column.name)]]
    }
    return this.collection(type, building, table, column.name, true)
  }

  /** A set or map of a size the type allows. */
  private collection(
    type: ColumnType,
    building: Building,
    table: string,
    column: string,
    asWire: boolean
  ): Json {
    const max = Math.min(maxOf(type), this.random.chance(0.05) ? 40 : 4)
    const size = this.random.between(type.min, max)
    const keys = new Map<string, Json>()
    for (let i = 0; i < size * 2 && keys.size < size; i++) {
      const atom = this.atom(type.key, building, table, column)
      keys.set(JSON.stringify(atom, bigintText), atom)
    }
    if (type.value === undefined) {
      const items = [...keys.values()]
      return !asWire || items.length !== 1 || this.random.chance(0.5) ? ["set", items] : items[0]!
    }
    const value = type.value
    return ["map", [...keys.values()].map((key) => [key, this.atom(value, building, table, column)])]
  }

  /** A value the column refuses: a set one beyond its size, a duplicate, an atom out of range or of another type. */
  private invalidDatum(building: Building, table: string, column: ColumnSchema): Json {
    building.onPurpose = true
    building.parts.push(`invalid ${column.name}`)
    const type = column.type
    const kind = this.random.int(6)
    const atom = this.atom(type.key, building, table, column.name)
    if (kind === 0 && type.max !== "unlimited") {
      const items: Array<Json> = []
      for (let i = 0; i <= type.max && i < 5000; i++) items.push(this.distinctAtom(type.key, i))
      return type.value === undefined
        ? ["set", items]
        : ["map", items.map((key) => [key, this.atom(type.value!, building, table, column.name)])]
    }
    if (kind === 1) {
      return type.value === undefined ? ["set", [atom, atom]] : ["map", [[atom, atom], [atom, atom]]]
    }
    if (kind === 2 && type.min > 0 && !isScalar(type)) return type.value === undefined ? ["set", []] : ["map", []]
    if (kind === 3) return this.invalidAtom(type.key)
    if (kind === 4) return type.value === undefined ? ["map", [[atom, atom]]] : ["set", [atom]]
    return this.random.pick<Json>(["string", 1.5, true, ["uuid", "not-a-uuid"], ["set", [1, "a"]], { object: 1 }])
  }

  /** The i-th of distinct atoms of a base type (for sets one element too long). */
  private distinctAtom(base: BaseType, i: number): Json {
    if (base.enum !== undefined) return base.enum[i % base.enum.length] as Json
    switch (base.type) {
      case "integer":
        return exact(BigInt(base.minInteger ?? 0) + BigInt(i))
      case "real":
        return (base.minReal ?? 0) + i / 8
      case "boolean":
        return i % 2 === 0
      case "string":
        return `s${i}`
      case "uuid":
        return ["uuid", this.literalUuid()]
    }
  }

  /** An atom of the base type, within its constraints. */
  atom(base: BaseType, building: Building, table: string, column: string): Json {
    if (base.enum !== undefined) return this.random.pick(base.enum) as Json
    switch (base.type) {
      case "integer":
        return this.integerAtom(base)
      case "real":
        return this.realAtom(base)
      case "boolean":
        return this.random.chance(0.5)
      case "string":
        return this.stringAtom(base, table, column)
      case "uuid":
        return this.uuidAtom(base, building)
    }
  }

  private integerAtom(base: BaseType): Json {
    const min = base.minInteger === undefined ? INT64_MIN : BigInt(base.minInteger)
    const max = base.maxInteger === undefined ? INT64_MAX : BigInt(base.maxInteger)
    const choice = this.random.int(6)
    let n: bigint
    if (choice === 0) n = min
    else if (choice === 1) n = max
    else if (choice === 2) n = this.random.pick(INTEGERS)
    else if (choice === 3) n = this.random.int64()
    else n = BigInt(this.random.between(-5, 12))
    if (n < min || n > max) {
      const span = max - min + 1n
      n = min + ((n % span) + span) % span
    }
    return exact(n)
  }

  private realAtom(base: BaseType): Json {
    const min = base.minReal ?? -Number.MAX_VALUE
    const max = base.maxReal ?? Number.MAX_VALUE
    const choice = this.random.int(5)
    let x: number
    if (choice === 0) x = min
    else if (choice === 1) x = max
    else if (choice === 2) x = (this.random.next() - 0.5) * 2 ** this.random.between(-20, 60)
    else x = this.random.pick(REALS)
    if (x < min || x > max) x = min + (max - min) * this.random.next()
    if (!Number.isFinite(x)) x = 0
    return x
  }

  private stringAtom(base: BaseType, table: string, column: string): Json {
    const indexed = (this.schema.tables[table]?.indexes ?? []).some((index) => index.includes(column))
    let text = indexed || column === "name" || this.random.chance(0.2)
      ? this.random.pick(NAMES)
      : this.random.chance(0.8)
      ? this.random.pick(STRINGS)
      : this.random.pick(STRINGS) + this.random.pick(STRINGS)
    const min = base.minLength ?? 0
    const max = base.maxLength ?? Infinity
    const length = [...text].length
    if (length > max) text = [...text].slice(0, max).join("")
    if (length < min) text = text + "é".repeat(min - length)
    return text
  }

  private uuidAtom(base: BaseType, building: Building): Json {
    const refTable = base.refTable
    if (refTable === undefined) {
      const anyRow = this.pickRow(this.pickTable(false))
      return anyRow !== undefined && this.random.chance(0.5) ? anyRow._uuid! : ["uuid", this.literalUuid()]
    }
    const choice = this.random.weighted<string>([
      [10, "existing"],
      [3, "named"],
      [building.depth < 2 ? 3 : 0, "new"],
      [base.refType === "weak" ? 1 : 0, "missing"],
      [base.refType === "weak" ? 0 : 1, "invalid"]
    ])
    if (choice === "existing") {
      const row = this.pickRow(refTable)
      if (row !== undefined) return row._uuid!
    }
    if (choice === "named" || choice === "existing") {
      const names = building.names.filter((named) => named.table === refTable)
      if (names.length > 0) return ["named-uuid", this.random.pick(names).name]
    }
    if (choice === "new" || choice === "named" || choice === "existing") {
      if (building.depth < 3) {
        const name = this.newName()
        building.depth++
        const op = this.insertOp(building, refTable, name)
        building.depth--
        building.children.push(op)
        return ["named-uuid", name]
      }
    }
    if (choice === "invalid" && this.invalid(building, 0.5)) {
      return this.random.chance(0.3) ? ["named-uuid", "never_defined"] : ["uuid", this.literalUuid()]
    }
    if (base.refType === "weak") return ["uuid", this.literalUuid()] // a reference to no row, dropped
    const row = this.pickRow(refTable)
    if (row !== undefined) return row._uuid!
    const names = building.names.filter((named) => named.table === refTable)
    if (names.length > 0) return ["named-uuid", this.random.pick(names).name]
    return ["uuid", this.literalUuid()] // nothing to refer to: the transaction fails
  }

  /** An atom of the wrong kind or beyond the base type's constraints. */
  private invalidAtom(base: BaseType): Json {
    if (base.enum !== undefined) return base.type === "string" ? "not-in-enum" : 987654
    switch (base.type) {
      case "integer": {
        const options: Array<Json> = [1.5, "7", exact(INT64_MAX) as Json, 2n ** 63n]
        if (base.minInteger !== undefined) options.push(exact(BigInt(base.minInteger) - 1n))
        if (base.maxInteger !== undefined) options.push(exact(BigInt(base.maxInteger) + 1n))
        return this.random.pick(options.slice(base.maxInteger === undefined ? 3 : 0))
      }
      case "real": {
        const options: Array<Json> = ["0.5", true]
        if (base.minReal !== undefined) options.push(base.minReal - 1)
        if (base.maxReal !== undefined) options.push(base.maxReal + 1)
        return this.random.pick(options)
      }
      case "boolean":
        return this.random.pick<Json>(["true", 1])
      case "string": {
        const options: Array<Json> = [5, ["uuid", this.literalUuid()]]
        if (base.maxLength !== undefined) options.push("☃".repeat(base.maxLength + 1))
        if (base.minLength !== undefined && base.minLength > 0) options.push("é".repeat(base.minLength - 1))
        return this.random.pick(options)
      }
      case "uuid":
        return this.random.pick<Json>([["uuid", "not-a-uuid"], `${LITERAL_PREFIX}000000000001`, ["named-uuid", 5]])
    }
  }

  // --- picking ---

  /**
   * The operations with each delete from a table that weak references point into made a select,
   * when the transaction also updates or mutates that table (or, without `weakRaces`, a table
   * whose rows refer to it weakly): ovsdb-server 3.1 then sometimes
   * leaves a weak reference to a deleted row in a row the transaction changed, depending on its
   * hash order (two servers differ, and one differs from itself from run to run). With only the
   * referring rows changed, it removes the references every time: that stays.
   */
  private withoutWeakRace(ops: ReadonlyArray<Json>): Array<Json> {
    const changed = new Set<string>()
    for (const op of ops) {
      if (isObject(op) && typeof op.table === "string" && (op.op === "update" || op.op === "mutate")) {
        changed.add(op.table)
      }
    }
    const racing = (table: string) =>
      changed.has(table) && this.weakReferrers.has(table) ||
      this.options.weakRaces === false &&
        [...this.weakReferrers.get(table) ?? []].some((referrer) => changed.has(referrer))
    return ops.map((op) => {
      if (!isObject(op) || typeof op.table !== "string" || op.op !== "delete" || !racing(op.table)) return op
      return { op: "select", table: op.table, where: op.where ?? [], columns: ["_uuid"] }
    })
  }

  /** A table: those with rows more often, when `forInsert` the others too. */
  private pickTable(forInsert: boolean): string {
    const names = this.tableNames()
    if (!forInsert && this.random.chance(0.75)) {
      const populated = names.filter((name) => this.rows.get(name)!.size > 0)
      if (populated.length > 0) return this.random.pick(populated)
    }
    return this.random.pick(names)
  }

  private pickRow(table: string): Row | undefined {
    const rows = this.rows.get(table)
    if (rows === undefined || rows.size === 0) return undefined
    return this.random.pick([...rows.values()])
  }

  private pickColumn(table: string): ColumnSchema {
    return this.random.pick(this.userColumns(this.schema.tables[table]!))
  }

  private userColumns(table: TableSchema): ReadonlyArray<ColumnSchema> {
    return Object.values(table.columns).filter((column) => !column.name.startsWith("_"))
  }

  /**
   * Whether to put something invalid in here (with probability `p`, in the transactions that may
   * have one); marks the transaction as failing on purpose when it does.
   */
  private invalid(building: Building, p: number): boolean {
    if (!building.invalid || !this.random.chance(p)) return false
    building.onPurpose = true
    return true
  }

  private newName(): string {
    return `row${this.names++}`
  }

  private literalUuid(): string {
    return `${LITERAL_PREFIX}${(this.literals++).toString(16).padStart(12, "0")}`
  }
}

const isObject = (json: Json | undefined): json is { readonly [key: string]: Json } =>
  typeof json === "object" && json !== null && !Array.isArray(json)

/** The UUID atoms in a value: the value itself, or a set's or map's. */
const uuidsIn = (value: Json | undefined): Array<Json> => {
  const isUuid = (atom: Json) => Array.isArray(atom) && atom[0] === "uuid"
  if (value === undefined) return []
  if (isUuid(value)) return [value]
  if (Array.isArray(value) && (value[0] === "set" || value[0] === "map") && Array.isArray(value[1])) {
    return (value[1] as ReadonlyArray<Json>).flatMap((item) => Array.isArray(item) && !isUuid(item) ? item : [item])
      .filter(isUuid)
  }
  return []
}

/** The first atom of a value (a set's first element, a scalar itself). */
const firstAtom = (value: Json): Json | undefined => {
  if (Array.isArray(value) && value[0] === "set") return (value[1] as ReadonlyArray<Json>)[0]
  if (Array.isArray(value) && value[0] === "map") return undefined
  return value
}

/**
 * The value with every subnormal real (a value a mutation's underflow can leave in a row) replaced
 * by 0: ovsdb-server's JSON reader refuses them ("number outside valid range") and drops the
 * connection.
 */
const sendable = (json: Json): Json => {
  if (typeof json === "number") return json !== 0 && Math.abs(json) < 2.2250738585072014e-308 ? 0 : json
  if (Array.isArray(json)) return json.map(sendable)
  if (isObject(json)) {
    const out: { [key: string]: Json } = {}
    for (const [key, value] of Object.entries(json)) out[key] = sendable(value)
    return out
  }
  return json
}

/** `JSON.stringify`'s replacer for bigints (keys only: never sent). */
const bigintText = (_key: string, value: unknown) => typeof value === "bigint" ? `${value}n` : value
