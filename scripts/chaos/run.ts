/**
 * The chaos run: a 3-member Raft cluster of ovsdb-server, writers committing through resilient
 * sessions, an observer `Replica` following every change, and rounds of `kill -9` of the leader
 * and its restart. Then the truth, `ovsdb-client query` on the leader, against what the writers
 * were told and what the observer saw.
 *
 * Each writer's transaction inserts an `Address_Set` row named by a key of its own and, in the
 * same transaction, adds the key to the `addresses` of one shared row (`chaos-shared`). A reply
 * that never came (`TransactionOutcomeUnknown`) is retried with the same key; a retry that finds
 * the key's row already there (the name is a unique index: "constraint violation") counts as
 * committed.
 *
 * The observer applies every event of `replica.changes` to a map of its own and counts what no
 * lossless stream may show: an insert of a row it has, or of a key it has under another row; a
 * modify or delete of a row it lacks; the shared set shrinking. At the end:
 * - lost: keys in the truth the stream never inserted, and acknowledged keys the truth lacks (as a
 *   row, or in the shared set);
 * - the replica equals the server: every replicated column of every row.
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Nb from "../../src/models/OVN_Northbound.js"
import * as Ovsdb from "../../src/Ovsdb.js"
import * as Op from "../../src/protocol/Operation.js"
import * as Replica from "../../src/Replica.js"
import * as Session from "../../src/Session.js"
import { OvsdbCluster } from "../../test/support/OvsdbCluster.js"
import { FixtureError, runTool } from "../../test/support/OvsdbServer.js"

/** What to run. */
export interface ChaosOptions {
  readonly kills: number
  readonly writers: number
  /** The least time the whole run takes, spread over the rounds. Default: none beyond the rounds' own. */
  readonly seconds?: number | undefined
  /** Where the observer's log goes. Default: `chaos.log` in the cluster's temp dir (removed with it). */
  readonly log?: string | undefined
}

/** What a run found. */
export interface ChaosReport {
  readonly kills: number
  readonly writers: number
  /** Keys the writers were told are committed. */
  readonly acknowledged: number
  /** Replies that never came (each retried). */
  readonly outcomeUnknown: number
  readonly lost: number
  readonly duplicated: number
  /** Resyncs the observer's replica went through. */
  readonly resyncs: number
  /** Reconnects of the observer's session. */
  readonly reconnects: number
  readonly replicaEqualsServer: boolean
  /** What was lost or duplicated, and how the replica differs, in words (empty when all is well). */
  readonly problems: ReadonlyArray<string>
}

/** The line the chaos command prints last. */
export const summary = (report: ChaosReport): string =>
  `chaos: ${report.kills} kills, ${report.writers} writers, ${report.acknowledged} acknowledged, ` +
  `${report.outcomeUnknown} outcome-unknown, ${report.lost} lost, ${report.duplicated} duplicated, ` +
  `${report.resyncs} full resyncs, replica equals server: ${report.replicaEqualsServer ? "yes" : "no"}`

/** Whether a run passes: nothing lost, nothing duplicated, the replica equal to the server. */
export const passed = (report: ChaosReport): boolean =>
  report.lost === 0 && report.duplicated === 0 && report.replicaEqualsServer

const NB = "OVN_Northbound"
const SHARED = "chaos-shared"
/** How many keys each writer commits in each round before the leader is killed. */
const KEYS_PER_ROUND = 10
/** The longest any one round's wait may take. */
const ROUND_TIMEOUT_MS = 60_000

/** A row as the observer and the truth compare it. */
const rowText = (row: { readonly name: string; readonly addresses: ReadonlyArray<string> }) =>
  `${row.name}: ${[...row.addresses].sort().join(",")}`

/** Runs the chaos; the cluster and every process it started are gone when it returns. */
export const runChaos = (options: ChaosOptions) =>
  Effect.gen(function*() {
    const cluster = yield* OvsdbCluster.start({ database: NB, members: 3 })
    const logPath = options.log ?? Path.join(cluster.dir, "chaos.log")
    const log = Fs.createWriteStream(logPath)
    yield* Effect.addFinalizer(() => Effect.callback<void>((resume) => void log.end(() => resume(Effect.void))))
    const note = (line: string) => void log.write(`${new Date().toISOString()} ${line}\n`)

    const connect = () => Layer.build(Ovsdb.layer({ remote: cluster.unix }))
    const setup = Context.get(yield* connect(), Ovsdb.Ovsdb)
    yield* setup.transact(NB, Op.insert("Address_Set", { name: SHARED }))
    // ovsdb-server keeps a transaction history for monitor_cond_since of no more atoms than the
    // database holds: a ballast row makes room for the rounds' small transactions, so that a
    // reconnect resumes (found: true) unless the history really was lost.
    yield* setup.transact(
      NB,
      Op.insert("Address_Set", {
        name: "chaos-ballast",
        addresses: Array.from({ length: 5000 }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`)
      })
    )

    // The observer: a replica of Address_Set, and a map kept by its events alone.
    const observerContext = yield* connect()
    const observerSession = Context.get(observerContext, Session.Session)
    const replica = yield* Replica.make(Nb.database, { Address_Set: { columns: ["name", "addresses"] } }).pipe(
      Effect.provide(observerContext)
    )
    type Row = { readonly name: string; readonly addresses: ReadonlyArray<string> }
    const rebuilt = new Map<string, Row>()
    const problems: Array<string> = []
    let duplicated = 0
    let resyncs = 0
    const duplicate = (what: string) => {
      duplicated++
      problems.push(what)
      note(`DUPLICATED ${what}`)
    }
    const applyEvent = (
      event: Replica.Event<Replica.Rows<typeof Nb.database.tables, { Address_Set: { columns: ["name", "addresses"] } }>>
    ) => {
      note(
        `${event._tag} txn=${event.lastTxnId ?? "-"} changes=${event.changes.length}${
          event._tag === "Resync" ? ` reason=${event.reason}` : ""
        }`
      )
      if (event._tag === "Resync") resyncs++
      const names = new Map([...rebuilt].map(([uuid, row]) => [row.name, uuid]))
      for (const change of event.changes) {
        switch (change._tag) {
          case "Insert": {
            if (rebuilt.has(change.uuid)) {
              duplicate(`insert of ${change.uuid} (${change.row.name}), a row the stream had`)
            }
            const other = names.get(change.row.name)
            if (other !== undefined && other !== change.uuid && rebuilt.has(other)) {
              duplicate(`key ${change.row.name} twice`)
            }
            rebuilt.set(change.uuid, change.row)
            names.set(change.row.name, change.uuid)
            break
          }
          case "Modify": {
            const old = rebuilt.get(change.uuid)
            if (old === undefined) duplicate(`modify of ${change.uuid}, a row the stream lacked`)
            else if (old.name === SHARED && event._tag !== "Resync") {
              const kept = new Set(change.row.addresses)
              const gone = old.addresses.filter((key) => !kept.has(key))
              if (gone.length > 0) duplicate(`the shared set shrank by ${gone.join(",")}`)
            }
            rebuilt.set(change.uuid, change.row)
            break
          }
          case "Delete":
            if (!rebuilt.delete(change.uuid)) duplicate(`delete of ${change.uuid}, a row the stream lacked`)
            else note(`delete of ${change.old.name}`)
        }
      }
    }
    yield* Stream.runForEach(replica.changes, (event) => Effect.sync(() => applyEvent(event))).pipe(
      Effect.catchCause((cause) =>
        Effect.sync(() => problems.push(`the observer's stream ended: ${Cause.pretty(cause)}`))
      ),
      Effect.forkScoped
    )
    yield* observerSession.changes.pipe(
      Stream.runForEach((status) =>
        Effect.sync(() =>
          note(
            `session ${status.state._tag} ${status.remote ?? ""} reconnects=${status.reconnects}${
              status.lastDisconnect === undefined ? "" : ` last=${status.lastDisconnect}`
            }`
          )
        )
      ),
      Effect.forkScoped
    )

    // The writers.
    const acknowledged = new Set<string>()
    const perWriter = Array.from({ length: options.writers }, () => 0)
    let outcomeUnknown = 0
    let stopping = false
    const writer = (w: number) =>
      Effect.gen(function*() {
        const ovsdb = Context.get(yield* connect(), Ovsdb.Ovsdb)
        for (let n = 0; !stopping; n++) {
          const key = `k${w}-${n}`
          for (;;) {
            const exit = yield* Effect.exit(ovsdb.transact(
              NB,
              Op.insert("Address_Set", { name: key }),
              Op.mutate("Address_Set", [Op.where("name", "==", SHARED)], [Op.mutation("addresses", "insert", [key])])
            ))
            if (Exit.isSuccess(exit)) break
            const error = Cause.findErrorOption(exit.cause)
            if (error._tag === "Some" && error.value._tag === "TransactionOutcomeUnknown") {
              outcomeUnknown++
              note(`writer ${w}: ${key} outcome unknown: ${error.value.detail}`)
              continue
            }
            if (
              error._tag === "Some" && error.value._tag === "TransactionError" &&
              error.value.error === "constraint violation"
            ) {
              note(`writer ${w}: ${key} was already there: committed before`)
              break
            }
            note(`writer ${w}: ${key} failed, trying again: ${Cause.pretty(exit.cause)}`)
            if (stopping) return
            // Not a hot loop: a failure that lasts shows as a round that does not finish in time.
            yield* Effect.sleep("50 millis")
          }
          acknowledged.add(key)
          perWriter[w]!++
        }
      }).pipe(Effect.scoped)
    const writing = yield* Effect.forkScoped(
      Effect.forEach(perWriter.map((_, w) => w), writer, { concurrency: "unbounded" })
    )

    /** Waits until every writer committed `n` more keys (and, with `seconds`, until its share of them passed). */
    const roundOfWrites = (until: number) =>
      Effect.gen(function*() {
        const from = [...perWriter]
        const deadline = Date.now() + ROUND_TIMEOUT_MS
        while (perWriter.some((count, w) => count - from[w]! < KEYS_PER_ROUND) || Date.now() < until) {
          if (Date.now() > deadline) {
            return yield* new FixtureError({ message: `the writers committed ${perWriter.join(", ")} keys: stuck` })
          }
          yield* Effect.sleep("20 millis")
        }
      })

    const start = Date.now()
    const roundMillis = options.seconds === undefined ? 0 : (options.seconds * 1000) / Math.max(1, options.kills)
    for (let round = 1; round <= options.kills; round++) {
      yield* roundOfWrites(start + round * roundMillis)
      const leader = yield* cluster.leader
      note(`kill -9 of ${cluster.members[leader]!.name} (round ${round})`)
      yield* cluster.kill(leader)
      const next = yield* cluster.leader
      note(`${cluster.members[next]!.name} leads`)
      yield* cluster.restart(leader)
    }
    yield* roundOfWrites(0)
    stopping = true
    yield* Fiber.await(writing).pipe(Effect.timeout("30 seconds"), Effect.ignore)

    // The truth, from the leader.
    const leader = yield* cluster.leader
    yield* replica.sync
    const query = JSON.stringify([NB, {
      op: "select",
      table: "Address_Set",
      where: [],
      columns: ["name", "addresses"]
    }])
    const out = yield* runTool("ovsdb-client", ["query", cluster.members[leader]!.unix, query])
    type Selected = { readonly rows: ReadonlyArray<{ readonly name: string; readonly addresses: unknown }> }
    const [{ rows }] = JSON.parse(out) as readonly [Selected]
    const truth = rows.map((row): Row => ({
      name: row.name,
      addresses: Array.isArray(row.addresses) && row.addresses[0] === "set"
        ? row.addresses[1] as ReadonlyArray<string>
        : [row.addresses as string]
    }))
    const truthNames = new Set(truth.map((row) => row.name))
    const shared = new Set(truth.find((row) => row.name === SHARED)?.addresses ?? [])
    const streamNames = new Set([...rebuilt.values()].map((row) => row.name))
    let lost = 0
    for (const name of truthNames) {
      if (streamNames.has(name)) continue
      lost++
      problems.push(`${name} is on the server, and the stream never inserted it`)
    }
    for (const key of acknowledged) {
      if (!truthNames.has(key)) {
        lost++
        problems.push(`${key} was acknowledged, and the server has no such row`)
      } else if (!shared.has(key)) {
        lost++
        problems.push(`${key} was acknowledged, and the shared set lacks it`)
      }
    }
    const expected = truth.map(rowText).sort()
    const replicated = (yield* replica.all("Address_Set")).map(rowText).sort()
    const streamed = [...rebuilt.values()].map(rowText).sort()
    const replicaEqualsServer = JSON.stringify(replicated) === JSON.stringify(expected)
    if (!replicaEqualsServer) {
      problems.push(`the replica has ${replicated.length} rows, the server ${expected.length}, and they differ`)
    }
    if (JSON.stringify(streamed) !== JSON.stringify(replicated)) {
      duplicated++
      problems.push("the rows rebuilt from the stream differ from the replica's")
    }
    const report: ChaosReport = {
      kills: options.kills,
      writers: options.writers,
      acknowledged: acknowledged.size,
      outcomeUnknown,
      lost,
      duplicated,
      resyncs,
      reconnects: (yield* observerSession.status).reconnects,
      replicaEqualsServer,
      problems
    }
    note(summary(report))
    return report
  }).pipe(Effect.scoped)
