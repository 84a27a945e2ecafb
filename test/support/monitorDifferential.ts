/**
 * The monitor part of the differential harness: the same changes, seen through `monitor`,
 * `monitor_cond` (with conditions, and changes of conditions) and `monitor_cond_since` (found and
 * not found), must give the same updates on two servers. Each side is one connection to a server at
 * a unix socket (ovsdb-server, or the in-memory server's `effect-ovsdb serve`): the monitors and the
 * transactions that change what they see share it, so that a commit's updates come before its reply.
 *
 * A sequence: a few transactions from the generator, then three monitors (one of each kind) on
 * random tables, columns, `select` flags and conditions; then transactions, each followed by the
 * updates it caused on each side, with now and then a change of the conditional monitors'
 * conditions; halfway, the `monitor_cond_since` monitor is cancelled, a transaction runs, and it
 * is asked again from its last transaction id (found, with the changes since) and from an id no
 * server knows (not found). Every reply and every notification is compared in canonical form (see
 * `differential.ts`): a table's updates keyed by row UUID as a set of named rows, a transaction id by
 * its name; an echo after each step makes sure every update of that step has arrived.
 */
import { Effect } from "effect"
import type { Scope } from "effect"
import * as Json from "../../src/Json.js"
import type * as JsonRpc from "../../src/protocol/JsonRpc.js"
import type * as RpcClient from "../../src/RpcClient.js"
import * as Differential from "./differential.js"
import { Random } from "./Random.js"
import { Generator } from "./transactionGenerator.js"
import type { Transaction } from "./transactionGenerator.js"

/**
 * How long a side may take to answer one request: a clustered ovsdb-server 3.1 now and then never
 * answers a transaction (its Raft command is left waiting); the run then fails saying so, not
 * hanging until the test's own timeout.
 */
const REPLY_TIMEOUT = "10 seconds"

/** A request's effect, failing with a `HarnessError` naming the side and step when no reply comes in time. */
const inTime = <A>(name: string, step: string, effect: Effect.Effect<A, Differential.HarnessError>) =>
  effect.pipe(Effect.timeoutOrElse({
    duration: REPLY_TIMEOUT,
    orElse: () =>
      Effect.fail(new Differential.HarnessError({ message: `${name}: no reply to ${step} within ${REPLY_TIMEOUT}` }))
  }))

/** A transaction id no server has: `monitor_cond_since` from it is not found. */
const UNKNOWN_TXN = "00000000-0000-4000-8000-0000000d1ff0"

/** One side: a connection whose notifications are kept, in order, until a step takes them. */
interface Side {
  readonly name: string
  readonly rpc: RpcClient.RpcClient["Service"]
  readonly target: Differential.Target
  readonly received: Array<JsonRpc.Notification>
  /** The last transaction id each `monitor_cond_since` monitor was told of. */
  readonly lastTxn: Map<string, string>
}

/** One step on which the two sides disagreed. */
export interface MonitorDisagreement {
  readonly seed: number
  readonly sequence: number
  readonly database: string
  /** What the step was: a method call or a transaction, and its index in the sequence. */
  readonly step: string
  /** What side A was sent. */
  readonly sent: Json.Json
  readonly canonical: readonly [Json.Json, Json.Json]
  readonly raw: readonly [Json.Json, Json.Json]
}

/** What a monitor run did. */
export interface MonitorStats {
  sequences: number
  transactions: number
  /** Monitor method calls compared (monitor, monitor_cond, monitor_cond_since, changes, cancels). */
  calls: number
  /** Notifications compared, by method (update, update2, update3). */
  readonly notifications: Map<string, number>
  /** `monitor_cond_since` replies by `found`. */
  readonly found: Map<string, number>
  readonly disagreements: Array<MonitorDisagreement>
}

/** The options of a monitor run. */
export interface MonitorRunOptions {
  readonly seed: number
  /** The two remotes: each a unix socket path. */
  readonly remotes: readonly [{ readonly name: string; readonly path: string }, {
    readonly name: string
    readonly path: string
  }]
  readonly databases: ReadonlyArray<Differential.RunDatabase>
  readonly sequences: number
  /** Transactions per sequence after the monitors are set up. */
  readonly sequenceLength: number
  /** The first sequence's number (each sequence has its own seed: a run can go on where another stopped). */
  readonly firstSequence?: number | undefined
  /**
   * Compares rows whatever their `_version`: a clustered ovsdb-server changes a row's version when
   * a standalone one does not, and the other way round (seen between the two), so against a
   * clustered server the versions say nothing of the other side.
   */
  readonly ignoreVersions?: boolean | undefined
  /** Whether transactions may race a weak reference against its target's deletion (see `Generator`). */
  readonly weakRaces?: boolean | undefined
}

/**
 * Runs the monitor scenarios against two remotes (unix socket paths): ready for two ovsdb-servers,
 * or ovsdb-server and the in-memory server's `effect-ovsdb serve`.
 */
export const runMonitorDifferential = (
  options: MonitorRunOptions
): Effect.Effect<MonitorStats, Differential.HarnessError, Scope.Scope> =>
  Effect.gen(function*() {
    const sides = [yield* side(options.remotes[0]), yield* side(options.remotes[1])] as const
    const stats: MonitorStats = {
      sequences: 0,
      transactions: 0,
      calls: 0,
      notifications: new Map(),
      found: new Map(),
      disagreements: []
    }
    const first = options.firstSequence ?? 0
    for (let k = first; k < first + options.sequences; k++) {
      const database = options.databases[k % options.databases.length]!
      yield* sequence(options, sides, k, database, stats)
      stats.sequences++
    }
    return stats
  })

const side = (remote: { readonly name: string; readonly path: string }) =>
  Effect.gen(function*() {
    const rpc = yield* Differential.connect(remote.name, remote.path)
    return {
      name: remote.name,
      rpc,
      target: Differential.targetOver(remote.name, rpc),
      received: [],
      lastTxn: new Map()
    } satisfies Side
  })

const isRecord = (json: Json.Json | undefined): json is { readonly [key: string]: Json.Json } =>
  typeof json === "object" && json !== null && !Array.isArray(json)

/** A table's updates keyed by row UUID, as a map from UUID atoms (which `canonical` sorts by name). */
const tableUpdates = (json: Json.Json): Json.Json => {
  if (!isRecord(json)) return json
  const out: { [table: string]: Json.Json } = {}
  for (const [table, rows] of Object.entries(json)) {
    out[table] = isRecord(rows)
      ? ["map", Object.entries(rows).map(([uuid, update]) => [["uuid", uuid], update])]
      : rows
  }
  return out
}

/** A monitor method's result with its updates and transaction id in a form `canonical` can name. */
const resultForm = (method: string, result: Json.Json): Json.Json => {
  if (method === "monitor" || method === "monitor_cond") return tableUpdates(result)
  if (method === "monitor_cond_since" && Array.isArray(result) && result.length === 3) {
    return [result[0]!, ["uuid", result[1]!], tableUpdates(result[2]!)]
  }
  return result
}

/** A notification likewise: update [id, updates], update2 [id, updates2], update3 [id, txn, updates2]. */
const notificationForm = (notification: JsonRpc.Notification): Json.Json => {
  const [id, ...rest] = notification.params
  if (notification.method === "update3" && rest.length === 2) {
    return [notification.method, id ?? null, ["uuid", rest[0]!], tableUpdates(rest[1]!)]
  }
  return [notification.method, id ?? null, ...rest.map(tableUpdates)]
}

/** A canonical form with every row version's name made the same. */
const withoutVersions = (json: Json.Json): Json.Json => {
  if (Array.isArray(json)) {
    if (json.length === 2 && json[0] === "uuid" && typeof json[1] === "string" && json[1].startsWith("v")) {
      return ["uuid", "v"]
    }
    return json.map(withoutVersions)
  }
  if (isRecord(json)) {
    const out: { [key: string]: Json.Json } = {}
    for (const [key, value] of Object.entries(json)) out[key] = withoutVersions(value)
    return out
  }
  return json
}

/** Whether a row's update changes nothing but its `_version` (update2/3 `modify`, or update's `old`). */
const versionOnly = (update: Json.Json): boolean => {
  if (!isRecord(update)) return false
  const changed = isRecord(update.modify)
    ? update.modify
    : isRecord(update.old) && isRecord(update.new)
    ? update.old
    : undefined
  return changed !== undefined && Object.keys(changed).every((column) => column === "_version")
}

/**
 * The notifications without the row updates that change only a row's `_version`, and without the
 * tables and notifications left empty: with `ignoreVersions` such an update says nothing (a
 * standalone ovsdb-server sends one for a row a transaction changed and changed back, a clustered
 * one, which replays the transaction's net changes from its log, does not).
 */
const withoutVersionOnlyChanges = (notifications: ReadonlyArray<JsonRpc.Notification>): Array<JsonRpc.Notification> =>
  notifications.flatMap((notification) => {
    const at = notification.method === "update3" ? 2 : 1
    const updates = notification.params[at]
    if (!isRecord(updates)) return [notification]
    const tables: { [table: string]: Json.Json } = {}
    for (const [table, rows] of Object.entries(updates)) {
      if (!isRecord(rows)) {
        tables[table] = rows
        continue
      }
      const kept = Object.entries(rows).filter(([, update]) => !versionOnly(update))
      if (kept.length > 0) tables[table] = Object.fromEntries(kept)
    }
    if (Object.keys(tables).length === 0) return []
    const params = [...notification.params]
    params[at] = tables
    return [{ ...notification, params }]
  })

const increment = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1)

const sequence = (
  options: MonitorRunOptions,
  sides: readonly [Side, Side],
  k: number,
  database: Differential.RunDatabase,
  stats: MonitorStats
) =>
  Effect.gen(function*() {
    const tables = Object.keys(database.schema.tables)
    for (const s of sides) s.received.length = 0
    yield* Effect.all(
      sides.map((s) => inTime(s.name, `emptying ${database.name}`, s.target.reset(database.name, tables))),
      { concurrency: 2 }
    )
    const generator = new Generator(database.schema, new Random(Differential.sequenceSeed(options.seed, k)), {
      dumpEvery: 5,
      lock: Differential.HELD_LOCK,
      weakRaces: options.weakRaces !== false
    })
    const namers = [new Differential.Namer(), new Differential.Namer()] as const
    const open = new Set<string>()
    let index = 0
    let failed = false

    const record = (
      step: string,
      sent: Json.Json,
      canonical: readonly [Json.Json, Json.Json],
      raw: readonly [
        Json.Json,
        Json.Json
      ]
    ) => {
      stats.disagreements.push({ seed: options.seed, sequence: k, database: database.name, step, sent, canonical, raw })
      failed = true
    }

    /** Whether two canonical forms agree (with `ignoreVersions`, whatever their rows' versions). */
    const same = (a: Json.Json, b: Json.Json) =>
      options.ignoreVersions === true
        ? Differential.canonicalText(withoutVersions(a)) === Differential.canonicalText(withoutVersions(b))
        : Differential.canonicalText(a) === Differential.canonicalText(b)

    /** Both sides' notifications since the last step, compared monitor by monitor in order. */
    const compareNotifications = (step: string, sent: Json.Json) =>
      Effect.gen(function*() {
        yield* Effect.all(
          sides.map((s) =>
            inTime(
              s.name,
              `an echo after ${step}`,
              s.rpc.call("echo", []).pipe(
                Effect.mapError((cause) =>
                  new Differential.HarnessError({ message: `${s.name}: ${step}: echo`, cause })
                )
              )
            )
          ),
          { concurrency: 2 }
        )
        const taken = sides.map((s) => {
          const notifications = s.received.splice(0)
          return options.ignoreVersions === true ? withoutVersionOnlyChanges(notifications) : notifications
        })
        const forms = taken.map((notifications, i) => {
          for (const n of notifications) {
            if (n.method === "update3" && typeof n.params[0] === "string" && typeof n.params[1] === "string") {
              sides[i]!.lastTxn.set(n.params[0], n.params[1])
            }
          }
          const byMonitor = [...notifications].sort((x, y) =>
            String(x.params[0]) < String(y.params[0]) ? -1 : String(x.params[0]) > String(y.params[0]) ? 1 : 0
          )
          return Differential.canonical(byMonitor.map(notificationForm), namers[i as 0 | 1])
        })
        for (const n of taken[0]!) increment(stats.notifications, n.method)
        if (!same(forms[0]!, forms[1]!)) {
          record(`${step}: the notifications`, sent, [forms[0]!, forms[1]!], [
            taken[0]!.map((n) => [n.method, ...n.params]),
            taken[1]!.map((n) => [n.method, ...n.params])
          ])
        }
      })

    /** A transaction on both sides, its replies compared, then the updates it caused. */
    const transaction = (transaction: Transaction) =>
      Effect.gen(function*() {
        const step = `transaction ${index++}`
        const sent = [
          Differential.substitute(transaction.operations, namers[0]),
          Differential.substitute(transaction.operations, namers[1])
        ] as const
        const replies = yield* Effect.all(
          sides.map((s, i) =>
            inTime(
              s.name,
              `${step} ${Json.show(sent[i])}`,
              s.target.transact(database.name, sent[i] as ReadonlyArray<Json.Json>)
            )
          ),
          { concurrency: 2 }
        )
        stats.transactions++
        const comparison = yield* Differential.compareTransaction(
          sides[0].target,
          database.name,
          sent[0] as ReadonlyArray<Json.Json>,
          [replies[0]!, replies[1]!],
          namers,
          transaction.kind === "dump"
        )
        const agree = comparison.agree ||
          options.ignoreVersions === true && same(comparison.canonical[0], comparison.canonical[1])
        if (!agree) {
          return record(step, sent[0], comparison.canonical, [
            Differential.replyJson(replies[0]!),
            Differential.replyJson(replies[1]!)
          ])
        }
        generator.observe(transaction, comparison.canonical[0])
        yield* compareNotifications(step, sent[0])
      })

    /** A monitor method called on both sides (params per side), its results compared, then any updates. */
    const call = (method: string, params: readonly [ReadonlyArray<Json.Json>, ReadonlyArray<Json.Json>]) =>
      Effect.gen(function*() {
        const step = `${method} ${index++}`
        const results = yield* Effect.all(
          sides.map((s, i) =>
            inTime(
              s.name,
              step,
              s.rpc.call(method, params[i]!).pipe(
                Effect.map((result) => ({ result })),
                Effect.catchTag("RpcError", (error) => Effect.succeed({ rpcError: Differential.rpcErrorJson(error) })),
                Effect.mapError((cause) => new Differential.HarnessError({ message: `${s.name}: ${step}`, cause }))
              )
            )
          ),
          { concurrency: 2 }
        )
        stats.calls++
        const forms = results.map((r, i) =>
          Differential.canonical("result" in r ? { result: resultForm(method, r.result) } : r, namers[i as 0 | 1])
        )
        results.forEach((r, i) => {
          if (method === "monitor_cond_since" && "result" in r && Array.isArray(r.result)) {
            const [found, txn] = r.result
            if (typeof txn === "string") sides[i]!.lastTxn.set(String(params[i]![1]), txn)
            if (i === 0) increment(stats.found, String(found))
          }
        })
        if (!same(forms[0]!, forms[1]!)) {
          return record(step, [method, ...params[0]], [forms[0]!, forms[1]!], [results[0]!, results[1]!])
        }
        yield* compareNotifications(step, [method, ...params[0]])
      })

    /** The same params on both sides, each with its own UUIDs for the names. */
    const both = (params: ReadonlyArray<Json.Json>) =>
      [
        Differential.substitute(params, namers[0]) as ReadonlyArray<Json.Json>,
        Differential.substitute(params, namers[1]) as ReadonlyArray<Json.Json>
      ] as const

    const monitor = (method: string, id: string, requests: Json.Json, since?: readonly [string, string]) =>
      Effect.gen(function*() {
        for (const s of sides) yield* s.rpc.listen(id, (n) => s.received.push(n))
        open.add(id)
        const [a, b] = both([database.name, id, requests])
        yield* call(method, since === undefined ? [a, b] : [[...a, since[0]], [...b, since[1]]])
      })

    const cancel = (id: string) =>
      Effect.gen(function*() {
        open.delete(id)
        yield* call("monitor_cancel", [[id], [id]])
      })

    /** New conditions for a conditional monitor's tables (ovsdb-server(7) §4.1.13). */
    const changeConditions = (id: string, requests: Json.Json) =>
      Effect.gen(function*() {
        if (!isRecord(requests)) return
        const changes: { [table: string]: Json.Json } = {}
        for (const [table, request] of Object.entries(requests)) {
          if (database.schema.tables[table] === undefined) continue
          // Conditions on monitored columns only (see Generator.conditions).
          const columns = isRecord(request) && Array.isArray(request.columns)
            ? request.columns.filter((column): column is string => typeof column === "string")
            : undefined
          changes[table] = [{ where: generator.conditions(table, columns) }]
        }
        yield* call("monitor_cond_change", both([id, id, changes]))
      })

    const run = Effect.gen(function*() {
      for (let i = 0; i < 4 && !failed; i++) yield* transaction(generator.next())
      const v1 = `s${k}-monitor`
      const v2 = `s${k}-cond`
      const v3 = `s${k}-since`
      const requests2 = generator.monitorRequests(true)
      const requests3 = generator.monitorRequests(true)
      if (!failed) yield* monitor("monitor", v1, generator.monitorRequests(false, generator.random.chance(0.1)))
      if (!failed) yield* monitor("monitor_cond", v2, requests2)
      if (!failed) yield* monitor("monitor_cond_since", v3, requests3, [UNKNOWN_TXN, UNKNOWN_TXN])
      for (let j = 0; j < options.sequenceLength && !failed; j++) {
        yield* transaction(generator.next())
        if (!failed && j % 6 === 5) {
          // Only tables the monitor has: ovsdb-server 3.1 can die (SIGSEGV) at a later commit after a
          // monitor_cond_change that it refused for naming a table the monitor does not have.
          const [id, requests] = generator.random.chance(0.5) || !open.has(v3) ? [v2, requests2] : [v3, requests3]
          yield* changeConditions(id, requests)
        }
        if (!failed && j === Math.floor(options.sequenceLength / 2)) {
          // Cancel the monitor_cond_since monitor, change things, and ask again from where it was.
          const last = [sides[0].lastTxn.get(v3) ?? UNKNOWN_TXN, sides[1].lastTxn.get(v3) ?? UNKNOWN_TXN] as const
          yield* cancel(v3)
          if (!failed) yield* transaction(generator.next())
          if (!failed) yield* monitor("monitor_cond_since", `${v3}-again`, requests3, last)
          if (!failed) yield* monitor("monitor_cond_since", `${v3}-unknown`, requests3, [UNKNOWN_TXN, UNKNOWN_TXN])
        }
      }
    })
    // Each monitor is cancelled at the end, whatever happened, so that the next sequence starts clean.
    yield* Effect.scoped(run.pipe(
      Effect.ensuring(Effect.suspend(() =>
        Effect.forEach(
          [...open],
          (id) =>
            Effect.forEach(
              sides,
              (s) => Effect.ignore(Effect.timeout(s.rpc.call("monitor_cancel", [id]), REPLY_TIMEOUT)),
              { discard: true }
            ),
          { discard: true }
        )
      ))
    ))
  })

/** A disagreement as the test prints it. */
export const describeMonitorDisagreement = (d: MonitorDisagreement, names: readonly [string, string]): string =>
  [
    `monitor disagreement: seed ${d.seed}, sequence ${d.sequence} on ${d.database}, at ${d.step}`,
    `  ${names[0]} was sent: ${Json.show(d.sent)}`,
    `  ${names[0]}: ${Json.show(d.raw[0])}`,
    `  ${names[1]}: ${Json.show(d.raw[1])}`,
    `  ${names[0]} (named): ${Differential.canonicalText(d.canonical[0])}`,
    `  ${names[1]} (named): ${Differential.canonicalText(d.canonical[1])}`
  ].join("\n")
