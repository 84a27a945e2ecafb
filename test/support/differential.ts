/**
 * The differential harness: runs the same transactions against two targets (a real ovsdb-server,
 * the in-memory engine, or two ovsdb-servers to check the harness itself) and compares each reply
 * after naming UUIDs by order of appearance.
 *
 * A UUID a server made is named `#1`, `#2`, … in the order it first appears in the sequence's
 * replies, on each side separately (a row's `_version` is named after its row: `v#3.2` is the second
 * version of row `#3` seen). What that renaming cannot make equal by itself is compared as what it
 * is: a set or map of UUIDs (ovsdb-server sorts them by UUID value, which differs between servers)
 * as a set, a select's rows (in ovsdb-server's hash order) as a multiset, and the UUIDs an error's
 * details quote by their names.
 *
 * A transaction from the generator names server-made UUIDs by these names; each side substitutes its
 * own UUIDs before sending (`substitute`).
 */
import { Context, Data, Effect, Layer } from "effect"
import type { Scope } from "effect"
import * as Fs from "node:fs"
import type { RpcError } from "../../src/Errors.js"
import * as Json from "../../src/Json.js"
import * as Ovsdb from "../../src/Ovsdb.js"
import type * as DatabaseSchema from "../../src/protocol/DatabaseSchema.js"
import * as RpcClient from "../../src/RpcClient.js"
import * as Engine from "../../src/server/Engine.js"
import { Random } from "./Random.js"
import { Generator, isLiteralUuid, isPlaceholder } from "./transactionGenerator.js"
import type { Transaction } from "./transactionGenerator.js"

/** A UUID in text, anywhere in a string. */
const UUID_IN_TEXT = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g

/** Why the harness could not go on (not a disagreement: a broken connection, a name never given). */
export class HarnessError extends Data.TaggedError("HarnessError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

// --- naming UUIDs ---

/**
 * One side's names for the UUIDs it has seen: `#n` in order of first appearance, `v#n.k` for the
 * k-th version of row `#n` seen, and the generator's own UUIDs as themselves.
 */
export class Namer {
  private readonly labels = new Map<string, string>()
  private readonly uuids = new Map<string, string>()
  private readonly versionsSeen = new Map<string, number>()
  private count = 0

  /** The name of a UUID; a new one is named when `assign`, else it reads `#?`. */
  label(uuid: string, assign: boolean): string {
    const key = uuid.toLowerCase()
    if (isLiteralUuid(key)) return key
    const known = this.labels.get(key)
    if (known !== undefined || !assign) return known ?? "#?"
    const label = `#${++this.count}`
    this.remember(key, label)
    return label
  }

  /** The name of a row version: after its row when the row is known, `v?` when not and new. */
  version(uuid: string, row: string | undefined, assign: boolean): string {
    const key = uuid.toLowerCase()
    const known = this.labels.get(key)
    if (known !== undefined) return known
    if (!assign || row === undefined || !row.startsWith("#") && !isLiteralUuid(row)) return "v?"
    const k = (this.versionsSeen.get(row) ?? 0) + 1
    this.versionsSeen.set(row, k)
    const label = `v${row}.${k}`
    this.remember(key, label)
    return label
  }

  /** The UUID a name stands for. */
  uuidOf(label: string): string | undefined {
    return this.uuids.get(label)
  }

  private remember(uuid: string, label: string) {
    this.labels.set(uuid, label)
    this.uuids.set(label, uuid)
  }
}

/** Replaces the names in a generated transaction by this side's UUIDs. */
export const substitute = (json: Json.Json, namer: Namer): Json.Json => {
  const uuidOf = (label: string): string => {
    const uuid = namer.uuidOf(label)
    if (uuid === undefined) throw new Error(`no UUID is named ${label} on this side`)
    return uuid
  }
  const walk = (value: Json.Json): Json.Json => {
    if (Array.isArray(value)) {
      if (value.length === 2 && value[0] === "uuid" && typeof value[1] === "string" && isPlaceholder(value[1])) {
        return ["uuid", uuidOf(value[1])]
      }
      return value.map(walk)
    }
    if (typeof value === "object" && value !== null) {
      const out: { [key: string]: Json.Json } = {}
      for (const [key, member] of Object.entries(value as { readonly [key: string]: Json.Json })) {
        out[key] = key === "uuid" && typeof member === "string" && isPlaceholder(member) ? uuidOf(member) : walk(member)
      }
      return out
    }
    return value
  }
  return walk(json)
}

// --- the canonical form ---

/** JSON text with object members sorted by name: equal texts, equal values. */
export const canonicalText = (json: Json.Json): string => {
  if (Array.isArray(json)) return `[${json.map(canonicalText).join(",")}]`
  if (typeof json === "object" && json !== null) {
    const members = Object.keys(json).sort().map((key) =>
      `${JSON.stringify(key)}:${canonicalText((json as { readonly [key: string]: Json.Json })[key]!)}`
    )
    return `{${members.join(",")}}`
  }
  return Json.stringify(json)
}

const isUuidAtom = (json: Json.Json): json is readonly ["uuid", string] =>
  Array.isArray(json) && json.length === 2 && json[0] === "uuid" && typeof json[1] === "string"

const isRecord = (json: Json.Json | undefined): json is { readonly [key: string]: Json.Json } =>
  typeof json === "object" && json !== null && !Array.isArray(json)

/**
 * A reply (or any JSON a server sent) in canonical form on one side: UUIDs by their names, sets
 * and maps of UUIDs and a select's rows sorted. New UUIDs are named in order of appearance, outside
 * the unordered parts (`assign` false only peeks).
 */
export const canonical = (json: Json.Json, namer: Namer, assign = true): Json.Json => {
  /** "all" names new UUIDs and versions; "versions" only versions (named after their rows); "none" peeks. */
  type Mode = "all" | "versions" | "none"
  const value = (item: Json.Json, mode: Mode): Json.Json => {
    if (typeof item === "string") return text(item)
    if (Array.isArray(item)) {
      if (isUuidAtom(item)) return ["uuid", namer.label(item[1], mode === "all")]
      if (item.length === 2 && item[0] === "set" && Array.isArray(item[1])) {
        const items = item[1] as ReadonlyArray<Json.Json>
        return ["set", items.some(isUuidAtom) ? unordered(items, mode) : items.map((x) => value(x, mode))]
      }
      if (item.length === 2 && item[0] === "map" && Array.isArray(item[1])) {
        const pairs = item[1] as ReadonlyArray<Json.Json>
        const uuidKeys = pairs.some((pair) => Array.isArray(pair) && isUuidAtom(pair[0] as Json.Json))
        return ["map", uuidKeys ? unordered(pairs, mode) : pairs.map((x) => value(x, mode))]
      }
      return item.map((x) => value(x, mode))
    }
    if (isRecord(item)) return record(item, mode)
    return item
  }
  const record = (item: { readonly [key: string]: Json.Json }, mode: Mode): Json.Json => {
    const out: { [key: string]: Json.Json } = {}
    const uuid = item._uuid
    const row = uuid !== undefined && isUuidAtom(uuid) ? namer.label(uuid[1], mode === "all") : undefined
    for (const key of Object.keys(item).sort()) {
      const member = item[key]!
      if (key === "_version" && isUuidAtom(member)) out[key] = ["uuid", namer.version(member[1], row, mode !== "none")]
      else if (key === "rows" && Array.isArray(member)) out[key] = unordered(member, mode)
      else out[key] = value(member, mode)
    }
    return out
  }
  /**
   * The parts of an unordered collection, sorted by their canonical text. A UUID first seen in one
   * is not named there (it reads `#?`): its place among others there depends on the server's order.
   * Every UUID a server makes appears first in an insert's result, which is ordered; only the UUIDs
   * of uuid-names never defined (which ovsdb-server makes up) come first in a set, and versions,
   * which are named after their rows.
   */
  const unordered = (items: ReadonlyArray<Json.Json>, mode: Mode): Array<Json.Json> =>
    items.map((x) => value(x, mode === "all" ? "versions" : mode)).sort(byText)
  const text = (item: string): string => item.replace(UUID_IN_TEXT, (uuid) => namer.label(uuid, false))
  return value(json, assign ? "all" : "none")
}

const byText = (a: Json.Json, b: Json.Json): number => {
  const x = canonicalText(a)
  const y = canonicalText(b)
  return x < y ? -1 : x > y ? 1 : 0
}

// --- targets ---

/** What a target answered to one transact request. */
export type Reply =
  | { readonly _tag: "Result"; readonly result: ReadonlyArray<Json.Json> }
  | { readonly _tag: "Error"; readonly error: Json.Json }
  | { readonly _tag: "Blocked"; readonly until: number }
  | { readonly _tag: "Threw"; readonly message: string }

/** The reply as JSON, for comparing and printing. */
export const replyJson = (reply: Reply): Json.Json => {
  switch (reply._tag) {
    case "Result":
      return reply.result
    case "Error":
      return { rpcError: reply.error }
    case "Blocked":
      return { blocked: reply.until }
    case "Threw":
      return { threw: reply.message }
  }
}

/** A JSON-RPC error reply as the client reads it (`RpcClient.toRpcError`), so both sides lose the same. */
export const rpcErrorJson = (error: RpcError): Json.Json => ({
  error: error.error,
  ...(error.details === undefined ? {} : { details: error.details }),
  ...(error.syntax === undefined ? {} : { syntax: error.syntax })
})

/** Something that runs transactions: a server over a connection, or the engine in-process. */
export interface Target {
  readonly name: string
  readonly transact: (database: string, operations: ReadonlyArray<Json.Json>) => Effect.Effect<Reply, HarnessError>
  /** Empties a database. */
  readonly reset: (database: string, tables: ReadonlyArray<string>) => Effect.Effect<void, HarnessError>
}

/** The lock a server target holds (so that `assert` of it succeeds) and the engine target says it holds. */
export const HELD_LOCK = "differential_held"

/**
 * One connection of this library to a server at a unix socket (ovsdb-server, or any server that
 * speaks the protocol), holding `HELD_LOCK`; closed with the scope.
 */
export const connect = (
  name: string,
  unixPath: string
): Effect.Effect<RpcClient.RpcClient["Service"], HarnessError, Scope.Scope> =>
  Effect.gen(function*() {
    const context = yield* Layer.build(Ovsdb.layerConnection({ remote: `unix:${unixPath}` })).pipe(
      Effect.mapError((cause) => new HarnessError({ message: `${name}: cannot connect to ${unixPath}`, cause }))
    )
    const rpc = Context.get(context, Ovsdb.Ovsdb).rpc
    const locked = yield* rpc.call("lock", [HELD_LOCK]).pipe(
      Effect.mapError((cause) => new HarnessError({ message: `${name}: lock`, cause }))
    )
    if (!isRecord(locked) || locked.locked !== true) {
      return yield* new HarnessError({ message: `${name}: lock ${HELD_LOCK} not granted: ${Json.show(locked)}` })
    }
    return rpc
  })

/** A server at a unix socket, over one connection (see `connect`). */
export const serverTarget = (name: string, unixPath: string): Effect.Effect<Target, HarnessError, Scope.Scope> =>
  Effect.map(connect(name, unixPath), (rpc) => targetOver(name, rpc))

/** Transactions over a connection; `reset` deletes every row of the database's tables. */
export const targetOver = (name: string, rpc: RpcClient.RpcClient["Service"]): Target => {
  const transact = (database: string, operations: ReadonlyArray<Json.Json>): Effect.Effect<Reply, HarnessError> =>
    rpc.call("transact", [database, ...operations]).pipe(
      Effect.map((result): Reply =>
        Array.isArray(result) ? { _tag: "Result", result } : { _tag: "Result", result: [result] }
      ),
      Effect.catchTag("RpcError", (error) => Effect.succeed<Reply>({ _tag: "Error", error: rpcErrorJson(error) })),
      Effect.mapError((cause) =>
        new HarnessError({
          message: `${name}: transact failed (${cause._tag}): ${Json.show([database, ...operations])}`,
          cause
        })
      )
    )
  const reset = (database: string, tables: ReadonlyArray<string>) =>
    Effect.gen(function*() {
      const reply = yield* transact(database, tables.map((table) => ({ op: "delete", table, where: [] })))
      const failed = reply._tag !== "Result" || reply.result.some((result) => isRecord(result) && "error" in result)
      if (failed) {
        return yield* new HarnessError({
          message: `${name}: emptying ${database} failed: ${Json.show(replyJson(reply))}`
        })
      }
    })
  return { name, transact, reset }
}

/**
 * The in-memory engine, in-process: one `Engine` per database, made afresh by `reset`. Operations
 * reach it as the server's codec would read them off the wire, and its replies go back through the
 * wire form (`Json.stringify`, then `Json.parse`) and a JSON-RPC error through `toRpcError`, as a
 * client would read them. An exception thrown by the engine is a reply of its own kind (a
 * disagreement), not the end of the run.
 */
export const engineTarget = (
  name: string,
  schemas: ReadonlyArray<DatabaseSchema.DatabaseSchema>
): Target => {
  const engines = new Map<string, Engine.Engine>()
  const engineOf = (database: string): Engine.Engine => {
    let engine = engines.get(database)
    if (engine === undefined) {
      const schema = schemas.find((schema) => schema.name === database)
      if (schema === undefined) throw new Error(`no schema for ${database}`)
      engine = Engine.make(schema)
      engines.set(database, engine)
    }
    return engine
  }
  const transact = (database: string, operations: ReadonlyArray<Json.Json>): Effect.Effect<Reply, HarnessError> =>
    Effect.sync((): Reply => {
      try {
        const outcome = engineOf(database).transact(overTheWire(operations) as ReadonlyArray<Json.Json>, {
          hasLock: (lock) => lock === HELD_LOCK,
          now: Date.now()
        })
        switch (outcome._tag) {
          case "Reply":
            return { _tag: "Result", result: overTheWire(outcome.result) as ReadonlyArray<Json.Json> }
          case "Error":
            return { _tag: "Error", error: rpcErrorJson(RpcClient.toRpcError("transact", overTheWire(outcome.error))) }
          case "Blocked":
            return { _tag: "Blocked", until: outcome.until }
        }
      } catch (cause) {
        return { _tag: "Threw", message: cause instanceof Error ? cause.stack ?? cause.message : String(cause) }
      }
    })
  const reset = (database: string) => Effect.sync(() => void engines.delete(database))
  return { name, transact, reset }
}

/** A value as the other end reads it after it was written to the wire. */
const overTheWire = (json: Json.Json): Json.Json => {
  const parsed = Json.parse(Json.stringify(json))
  if (parsed._tag === "Failure") throw new Error(`not JSON: ${parsed.failure}`)
  return parsed.success
}

// --- comparing one transaction ---

/** One transaction's outcome on both sides. */
export interface Comparison {
  readonly agree: boolean
  readonly canonical: readonly [Json.Json, Json.Json]
}

/**
 * Error details in which ovsdb-server names the first of several offenders it found, in an order
 * that depends on UUID values or on its hash tables, so that two servers name different ones (seen
 * between two ovsdb-servers): which two rows collide in an index, which row holds a reference to no
 * row, which deleted row is still referred to, which row's weak references were all removed (both
 * messages ovsdb-server has for that, one for a default all-zeros UUID). Two
 * replies whose details differ only in what such a message names agree; the error itself and the
 * kind of message must still be the same.
 */
const ORDER_DEPENDENT_DETAILS: ReadonlyArray<readonly [kind: string, pattern: RegExp]> = [
  [
    "index violation",
    /^Transaction causes multiple rows in "[^"]*" table to have identical values \(.*\) for index on columns? .*\.  First row, with UUID \S+, .*\.  Second row, with UUID \S+, .*\.$/s
  ],
  ["reference to no row", /^Table \S+ column \S+ row \S+ references nonexistent row \S+ in table \S+\.$/],
  ["deleted row still referred to", /^cannot delete \S+ row \S+ because of \d+ remaining reference\(s\)$/],
  [
    "weak references removed below the minimum",
    /^Deletion of \d+ weak reference\(s\) to deleted \(or never-existing\) rows from column "[^"]*" in "[^"]*" row \S+(?: \(inserted within this transaction\))? caused this column to /
  ],
  [
    "weak references removed below the minimum",
    /^Weak reference column "[^"]*" in "[^"]*" row \S+(?: \(inserted within this transaction\))? contained all-zeros UUID /
  ]
]

/** A canonical reply with the order-dependent parts of its error details loosened. */
const loosened = (json: Json.Json): Json.Json => {
  if (typeof json === "string") {
    const rule = ORDER_DEPENDENT_DETAILS.find(([, pattern]) => pattern.test(json))
    return rule === undefined ? json : `(${rule[0]})`
  }
  if (Array.isArray(json)) return json.map(loosened)
  if (isRecord(json)) {
    const out: { [key: string]: Json.Json } = {}
    for (const [key, value] of Object.entries(json)) out[key] = loosened(value)
    return out
  }
  return json
}

/**
 * Compares two replies, each in its side's canonical form (which names the new UUIDs it holds):
 * exactly, or else with the order-dependent parts of error details loosened, or (`dump`, a reply
 * that reads every table whole) with references to rows that are not there marked alike.
 */
export const compare = (
  replies: readonly [Reply, Reply],
  namers: readonly [Namer, Namer],
  dump = false
): Comparison => {
  const a = canonical(replyJson(replies[0]), namers[0])
  const b = canonical(replyJson(replies[1]), namers[1])
  const agree = canonicalText(a) === canonicalText(b) ||
    canonicalText(loosened(a)) === canonicalText(loosened(b)) ||
    dump && canonicalText(withDanglingMarked(a)) === canonicalText(withDanglingMarked(b))
  return { agree, canonical: [a, b] }
}

/**
 * A reply whose selects read whole tables (a dump), with every reference in a row to a row that is
 * in none of them marked `#dangling`: ovsdb-server 3.1 now and then leaves a weak reference to a
 * deleted row behind, which one depending on its hash order, and the engine, which follows its
 * hash orders, can leave another. Two dumps that differ only in which dangling reference they
 * hold agree; one with a dangling reference and one without still differ.
 */
const withDanglingMarked = (reply: Json.Json): Json.Json => {
  if (!Array.isArray(reply)) return reply
  const rows = reply.flatMap((result) => isRecord(result) && Array.isArray(result.rows) ? result.rows : [])
  const present = new Set(rows.map((row) => isRecord(row) && row._uuid !== undefined ? canonicalText(row._uuid) : ""))
  const mark = (value: Json.Json): Json.Json =>
    isUuidAtom(value)
      ? present.has(canonicalText(value)) || isLiteralUuid(value[1]) ? value : ["uuid", "#dangling"]
      : Array.isArray(value)
      ? value.map(mark)
      : value
  return reply.map((result) => {
    if (!isRecord(result) || !Array.isArray(result.rows)) return result
    return {
      ...result,
      rows: result.rows.map((row) => {
        if (!isRecord(row)) return row
        const out: { [column: string]: Json.Json } = {}
        for (const [column, value] of Object.entries(row)) {
          out[column] = column === "_uuid" || column === "_version" ? value : mark(value)
        }
        return out
      }).sort(byText)
    }
  })
}

/** The error a reply (canonical or not) reports, if any: a failed operation's or an RPC error's. */
export const errorOf = (reply: Json.Json): string | undefined => {
  if (!Array.isArray(reply)) return isRecord(reply) && "rpcError" in reply ? "RPC error" : "no reply"
  for (const result of reply) {
    if (isRecord(result) && "error" in result) return typeof result.error === "string" ? result.error : "error"
  }
  return undefined
}

/** Whether a committed reply changed something: an insert, or an update, mutate or delete that counted rows. */
const changedSomething = (reply: Json.Json): boolean =>
  Array.isArray(reply) &&
  reply.some((result) => isRecord(result) && ("uuid" in result || typeof result.count === "number" && result.count > 0))

/** Reads a schema file as the engine and the generator take it. */
export const readSchemaJson = (path: string): Effect.Effect<Json.Json, HarnessError> =>
  Effect.try({
    try: () => JSON.parse(Fs.readFileSync(path, "utf8")) as Json.Json,
    catch: (cause) => new HarnessError({ message: `reading ${path}`, cause })
  })

// --- running sequences ---

/** Where the two sides first disagreed in a sequence, with all it takes to replay and read it. */
export interface Disagreement {
  readonly seed: number
  readonly sequence: number
  /** The transaction's index in its sequence (from 0). */
  readonly index: number
  readonly database: string
  readonly transaction: Transaction
  /** The operations each side was sent (its own UUIDs substituted). */
  readonly sent: readonly [ReadonlyArray<Json.Json>, ReadonlyArray<Json.Json>]
  readonly replies: readonly [Json.Json, Json.Json]
  readonly canonical: readonly [Json.Json, Json.Json]
  /** With `checkEach`, for a dump that found the databases different: the transaction just before it. */
  readonly after?: { readonly transaction: Transaction; readonly sent: ReadonlyArray<Json.Json> } | undefined
}

/** What a run did. */
export interface RunStats {
  transactions: number
  /** Transactions the generator made (not dumps). */
  generated: number
  /** Transactions that failed on both sides (reply with an error). */
  failed: number
  /** Generated transactions with something invalid put in on purpose. */
  onPurpose: number
  /** Sequences cut short by a disagreement. */
  readonly disagreements: Array<Disagreement>
  /** Operations run, by op name (valid ones), for a view of the coverage. */
  readonly operations: Map<string, number>
  /** Clauses of where, by function, and mutations, by mutator (valid or not), for a view of the coverage. */
  readonly functions: Map<string, number>
  readonly mutators: Map<string, number>
  /** Failed transactions, by the error of their reply (ovsdb-server's `error` text). */
  readonly errors: Map<string, number>
  /** Transactions that committed a change (an insert, or a count above zero, and no error). */
  changed: number
  /** Transactions whose replies differed only in which of several rows a mutate or update failed on first. */
  orderDependent: number
}

/** A database the run covers: its name and schema. */
export interface RunDatabase {
  readonly name: string
  readonly schema: DatabaseSchema.DatabaseSchema
}

/** The options of a run. */
export interface RunOptions {
  readonly seed: number
  readonly targets: readonly [Target, Target]
  readonly databases: ReadonlyArray<RunDatabase>
  /** Generated transactions to run at least (dumps come on top). */
  readonly transactions: number
  /** Transactions per sequence; each sequence starts from empty databases. */
  readonly sequenceLength: number
  /** Only this sequence (to replay one). */
  readonly onlySequence?: number | undefined
  /**
   * Compares the whole databases after each transaction too (a dump the generator does not see, so
   * the sequence stays the same): to find where a sequence's databases began to differ.
   */
  readonly checkEach?: boolean | undefined
}

/** The seed of sequence `k` of a run: each sequence replays alone from it. */
export const sequenceSeed = (seed: number, k: number): number =>
  (Math.imul(seed ^ 0x5bd1e995, 31) + k * 0x9e3779b1) >>> 0

/** Runs sequences until `transactions` generated ones have run, round-robin over the databases. */
export const run = (options: RunOptions): Effect.Effect<RunStats, HarnessError> =>
  Effect.gen(function*() {
    const stats: RunStats = {
      transactions: 0,
      generated: 0,
      failed: 0,
      onPurpose: 0,
      disagreements: [],
      operations: new Map(),
      functions: new Map(),
      mutators: new Map(),
      errors: new Map(),
      changed: 0,
      orderDependent: 0
    }
    for (let k = options.onlySequence ?? 0; stats.generated < options.transactions; k++) {
      const database = options.databases[k % options.databases.length]!
      yield* runSequence(options, k, database, stats)
      if (options.onlySequence !== undefined) break
    }
    return stats
  })

const runSequence = (options: RunOptions, k: number, database: RunDatabase, stats: RunStats) =>
  Effect.gen(function*() {
    const [a, b] = options.targets
    const tables = Object.keys(database.schema.tables)
    yield* Effect.all([a.reset(database.name, tables), b.reset(database.name, tables)], { concurrency: 2 })
    const generator = new Generator(database.schema, new Random(sequenceSeed(options.seed, k)), {
      dumpEvery: 5,
      lock: HELD_LOCK
    })
    const namers = [new Namer(), new Namer()] as const
    /** Runs one transaction on both sides; a disagreement is recorded, and ends the sequence. */
    const step = (
      transaction: Transaction,
      index: number,
      after?: { readonly transaction: Transaction; readonly sent: ReadonlyArray<Json.Json> }
    ) =>
      Effect.gen(function*() {
        const where = `seed ${options.seed} sequence ${k} transaction ${index}`
        const sent = yield* Effect.try({
          try: () =>
            [substitute(transaction.operations, namers[0]), substitute(transaction.operations, namers[1])] as const,
          catch: (cause) => new HarnessError({ message: `${where}: ${String(cause)}`, cause })
        }) as Effect.Effect<readonly [ReadonlyArray<Json.Json>, ReadonlyArray<Json.Json>], HarnessError>
        const replies = yield* Effect.all(
          [a.transact(database.name, sent[0]), b.transact(database.name, sent[1])],
          { concurrency: 2 }
        ).pipe(Effect.mapError((error) => new HarnessError({ message: `${where}: ${error.message}`, cause: error })))
        const comparison = yield* compareTransaction(
          a,
          database.name,
          sent[0],
          replies,
          namers,
          transaction.kind === "dump"
        )
        if (comparison.orderDependent) {
          stats.orderDependent++
          return { ...comparison, sent: sent[0] }
        }
        if (!comparison.agree) {
          stats.disagreements.push({
            seed: options.seed,
            sequence: k,
            index,
            database: database.name,
            transaction,
            sent,
            replies: [replyJson(replies[0]), replyJson(replies[1])],
            canonical: comparison.canonical,
            after
          })
        }
        return { ...comparison, sent: sent[0] }
      })
    for (let index = 0; index < options.sequenceLength && stats.generated < options.transactions; index++) {
      const transaction = generator.next()
      const comparison = yield* step(transaction, index)
      stats.transactions++
      if (transaction.kind === "generated") {
        stats.generated++
        if (transaction.onPurpose) stats.onPurpose++
        for (const op of transaction.operations) count(stats, op)
      }
      if (!comparison.agree) return // the two databases may differ from here on: the next sequence starts afresh
      const error = errorOf(comparison.canonical[0])
      if (error !== undefined) {
        stats.failed++
        increment(stats.errors, error)
      } else if (transaction.kind === "generated" && changedSomething(comparison.canonical[0])) stats.changed++
      generator.observe(transaction, comparison.canonical[0])
      if (options.checkEach === true && transaction.kind === "generated") {
        // A dump the generator does not see: finds the transaction after which the databases differ.
        const check = yield* step(
          { ...generator.dump(), summary: `the databases after transaction ${index}` },
          index,
          { transaction, sent: comparison.sent }
        )
        if (!check.agree) return
      }
    }
  })

const increment = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1)

/** Counts an operation, its where clauses' functions and its mutators. */
const count = (stats: RunStats, op: Json.Json) => {
  const name = isRecord(op) && typeof op.op === "string" ? op.op : "(not an operation)"
  increment(stats.operations, name)
  if (!isRecord(op)) return
  for (const clause of Array.isArray(op.where) ? op.where : []) {
    if (Array.isArray(clause) && typeof clause[1] === "string") increment(stats.functions, clause[1])
    else if (typeof clause === "boolean") increment(stats.functions, String(clause))
  }
  for (const mutation of Array.isArray(op.mutations) ? op.mutations : []) {
    if (Array.isArray(mutation) && typeof mutation[1] === "string") increment(stats.mutators, mutation[1])
  }
}

/**
 * Compares one transaction's replies (see `compare`); when they differ only as a multi-row update
 * or mutate can on two servers (see `manyRowsFailed`), they agree, marked `orderDependent`.
 * `target` and `operations` are the first side's.
 */
export const compareTransaction = (
  target: Target,
  database: string,
  operations: ReadonlyArray<Json.Json>,
  replies: readonly [Reply, Reply],
  namers: readonly [Namer, Namer],
  dump = false
): Effect.Effect<Comparison & { readonly orderDependent: boolean }, HarnessError> =>
  Effect.gen(function*() {
    const comparison = compare(replies, namers, dump)
    const orderDependent = !comparison.agree && (yield* manyRowsFailed(target, database, operations, comparison))
    return { ...comparison, agree: comparison.agree || orderDependent, orderDependent }
  })

/** The errors a mutate or an update can meet on one of the rows it changes (RFC 7047 §5.2.4, §5.2.5). */
const ROW_ERRORS: { readonly [op: string]: ReadonlyArray<string> } = {
  update: ["constraint violation"],
  mutate: ["constraint violation", "range error", "domain error"]
}

/**
 * Whether two replies that differ failed at the same update or mutate, each with an error that a
 * row can cause, where that operation's condition matched several rows: ovsdb-server changes the
 * rows in its hash order and reports the first row that fails, so which one (and so which error)
 * differs between servers. The number of rows is asked of the first target, in a transaction of the
 * operations before the failing one, a select of its condition, and an abort.
 */
const manyRowsFailed = (
  target: Target,
  database: string,
  operations: ReadonlyArray<Json.Json>,
  comparison: Comparison
): Effect.Effect<boolean, HarnessError> =>
  Effect.gen(function*() {
    const [a, b] = comparison.canonical
    if (!Array.isArray(a) || !Array.isArray(b)) return false
    const i = a.findIndex((result) => isRecord(result) && "error" in result)
    const op = operations[i]
    if (i < 0 || !isRecord(op) || typeof op.op !== "string" || typeof op.table !== "string") return false
    const allowed = ROW_ERRORS[op.op] ?? []
    const rowError = (result: Json.Json | undefined) =>
      isRecord(result) && typeof result.error === "string" && allowed.includes(result.error)
    if (!rowError(a[i]) || !rowError(b[i]) || b.findIndex((result) => isRecord(result) && "error" in result) !== i) {
      return false
    }
    const probe = yield* target.transact(database, [
      ...operations.slice(0, i),
      { op: "select", table: op.table, where: op.where ?? [], columns: ["_uuid"] },
      { op: "abort" }
    ])
    const rows = probe._tag === "Result" && isRecord(probe.result[i]) ? probe.result[i].rows : undefined
    return Array.isArray(rows) && rows.length > 1
  })

/** A disagreement as the test prints it: seed, place, transaction and both replies. */
export const describeDisagreement = (d: Disagreement, names: readonly [string, string]): string =>
  [
    ...(d.after === undefined ? [] : [
      `after transaction ${d.index}, which both sides answered alike: ${Json.show(d.after.transaction.operations)}`,
      `  ${names[0]} was sent: ${Json.show(d.after.sent)}`
    ]),
    `disagreement: seed ${d.seed}, sequence ${d.sequence} (OVSDB_DIFF_SEED=${d.seed} OVSDB_DIFF_SEQUENCE=${d.sequence}), transaction ${d.index} on ${d.database} (${d.transaction.summary})`,
    `  transaction: ${Json.show(d.transaction.operations)}`,
    `  ${names[0]} was sent: ${Json.show(d.sent[0])}`,
    `  ${names[0]} replied: ${Json.show(d.replies[0])}`,
    `  ${names[1]} replied: ${Json.show(d.replies[1])}`,
    `  ${names[0]} (named): ${canonicalText(d.canonical[0])}`,
    `  ${names[1]} (named): ${canonicalText(d.canonical[1])}`
  ].join("\n")

/** What a result is, in a few words: its error, or which kind of result. */
const resultShape = (result: Json.Json | undefined): string => {
  if (result === undefined) return "no result"
  if (!isRecord(result)) return Json.show(result)
  if (typeof result.error === "string") return `error "${result.error}"`
  const keys = Object.keys(result)
  return keys.length === 0 ? "{}" : keys.sort().join("+")
}

/**
 * The kind of a disagreement: the operation whose results differ first, and how (which error, or
 * which result, on each side), or how the whole replies differ (an RPC error, an exception).
 */
export const kindOf = (d: Disagreement): string => {
  const [a, b] = d.canonical
  if (!Array.isArray(a) || !Array.isArray(b)) {
    const shape = (reply: Json.Json) =>
      Array.isArray(reply)
        ? "a result"
        : isRecord(reply) && "threw" in reply
        ? `a throw (${String(reply.threw).split("\n")[0]})`
        : isRecord(reply) && "blocked" in reply
        ? "blocked"
        : `an RPC error ${
          canonicalText(isRecord(reply) && isRecord(reply.rpcError) ? reply.rpcError.error ?? null : null)
        }`
    return `the reply: ${shape(a)} vs ${shape(b)}`
  }
  const length = Math.max(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a[i]
    const y = b[i]
    if (x !== undefined && y !== undefined && canonicalText(loosened(x)) === canonicalText(loosened(y))) continue
    const op = d.transaction.operations[i]
    const name = i >= d.transaction.operations.length
      ? "commit"
      : isRecord(op) && typeof op.op === "string"
      ? op.op
      : "a non-operation"
    const [p, q] = [resultShape(x), resultShape(y)]
    if (p !== q) return `${name}: ${p} vs ${q}`
    if (p.startsWith("error")) return `${name}: ${p}, with other details`
    const table = isRecord(op) && typeof op.table === "string" ? ` ${op.table}` : ""
    const rows = isRecord(x) && isRecord(y) && Array.isArray(x.rows) && Array.isArray(y.rows)
      ? rowsDifference(x.rows, y.rows)
      : undefined
    return `${name}${table}: ${rows ?? `${p}, with other contents`}`
  }
  return "the replies' lengths"
}

/**
 * How two selects' rows differ: the columns whose values differ in rows of the same name (a row's
 * `_version` only when nothing else differs), or rows on one side only.
 */
const rowsDifference = (a: ReadonlyArray<Json.Json>, b: ReadonlyArray<Json.Json>): string | undefined => {
  const byUuid = (rows: ReadonlyArray<Json.Json>) =>
    new Map(rows.filter(isRecord).map((row) => [canonicalText(row._uuid ?? null), row] as const))
  const [x, y] = [byUuid(a), byUuid(b)]
  if (x.size !== a.length || y.size !== b.length) return undefined // rows without their UUIDs
  const columns = new Set<string>()
  let onlyOne = 0
  for (const [uuid, row] of x) {
    const other = y.get(uuid)
    if (other === undefined) {
      onlyOne++
      continue
    }
    for (const column of new Set([...Object.keys(row), ...Object.keys(other)])) {
      if (canonicalText(row[column] ?? null) !== canonicalText(other[column] ?? null)) columns.add(column)
    }
  }
  onlyOne += [...y.keys()].filter((uuid) => !x.has(uuid)).length
  if (columns.size > 1) columns.delete("_version")
  const parts = [
    ...(columns.size > 0 ? [`${[...columns].sort().join(", ")} differ`] : []),
    ...(onlyOne > 0 ? ["rows on one side only"] : [])
  ]
  return parts.length > 0 ? parts.join("; ") : undefined
}

/** The disagreements by kind, each with how many and the one with the smallest transaction. */
export const kindsOfDisagreement = (
  disagreements: ReadonlyArray<Disagreement>
): Map<string, { count: number; smallest: Disagreement }> => {
  const kinds = new Map<string, { count: number; smallest: Disagreement }>()
  const size = (d: Disagreement) => Json.stringify(d.transaction.operations).length
  for (const d of disagreements) {
    const kind = kindOf(d)
    const known = kinds.get(kind)
    if (known === undefined) kinds.set(kind, { count: 1, smallest: d })
    else {
      known.count++
      if (size(d) < size(known.smallest)) known.smallest = d
    }
  }
  return kinds
}
