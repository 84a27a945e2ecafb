/**
 * effect-ovsdb's side of the replica benchmark, run as its own process so that its CPU time and
 * memory are its own.
 *
 * - `initial REMOTE [TABLE]`: replicate every column of `Logical_Switch_Port` (or TABLE) with
 *   `Replica.make`, print the row count and (on stderr) how long it waited on the server
 *   (`serverWait`), exit; the caller measures the process's wall time, CPU time and peak memory.
 * - `detail REMOTE UPDATES ROUNDS` (under `node --expose-gc`): the heap the replica holds per row
 *   after a full collection, then what applying a transaction of UPDATES row modifications costs
 *   the replica; prints one JSON line (`Detail`).
 *
 * The updates are a real server's. One transaction mutates `external_ids` of UPDATES rows (each by
 * `_uuid`), and is measured from just before it is sent to when `transact` returns: the server
 * sends a transaction's update3 before its reply, and the session hands it to the replica before
 * the reply's caller resumes, so the replica has applied it by then (checked). The server's time
 * (a second or two, and noisy on two cores) dwarfs the client's, so the client's share is its
 * event loop's busy time in that window (`performance.eventLoopUtilization`), against the busy
 * time of a bare socket that holds the same monitor and sends the same transaction (its update3
 * read and discarded, its reply counted): what receiving, decoding and applying the update costs
 * beyond reading its bytes. Medians over ROUNDS rounds that alternate which side goes first, each
 * side timing 3 transactions per connection. The replica's handler (`Store.apply` and what it
 * publishes) is also timed on its own, by wrapping the session's `monitorWith`.
 *
 * Usage: node [--expose-gc] replica-client.js initial REMOTE [TABLE] | detail REMOTE UPDATES ROUNDS
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Net from "node:net"
import { encode } from "../../src/Codec.js"
import type { Json } from "../../src/Json.js"
import * as Nb from "../../src/models/OVN_Northbound.js"
import * as Ovsdb from "../../src/Ovsdb.js"
import * as JsonRpc from "../../src/protocol/JsonRpc.js"
import * as Monitor from "../../src/protocol/Monitor.js"
import * as Replica from "../../src/Replica.js"
import { Session } from "../../src/Session.js"
import { collectGarbage, median, settle } from "./measure.js"
import * as ServerWait from "./serverWait.js"

/** What `detail` prints. */
export interface Detail {
  readonly rows: number
  /** Heap held per replicated row after a full collection, against the heap before the replica. */
  readonly bytesPerRow: number
  readonly updates: number
  /** Medians over every timed transaction, with the replica and on the bare socket: wall time, */
  readonly replicaMillis: number
  readonly rawMillis: number
  /** the event loop's busy time, */
  readonly replicaBusyMillis: number
  readonly rawBusyMillis: number
  /** The replica's handler alone (`Store.apply`, publishing), per transaction. */
  readonly applyMillis: number
  /** and this process's CPU time (GC threads included). */
  readonly replicaCpuMillis: number
  readonly rawCpuMillis: number
  readonly samples: number
  /** Every timed transaction's busy milliseconds, in the order run. */
  readonly replicaRuns: ReadonlyArray<number>
  readonly rawRuns: ReadonlyArray<number>
}

const DATABASE = Nb.database.name
const TABLE = "Logical_Switch_Port"
const REVISION = "neutron:revision_number"
/** Transactions timed on each connection of a round. */
const PER_CONNECTION = 3
/** A reply's last bytes: every reply the server sends ends so (an update3 never contains it). */
const REPLY_END = "\"error\":null}"

/** The columns the replica asks for: every column of the model's table. */
const columns = Object.keys(Nb.Logical_Switch_Port.schema?.columns ?? {}).filter((column) =>
  column !== "_uuid" && column !== "_version"
)

/** One transaction setting `external_ids:neutron:revision_number` to `revision` on each row (RFC 7047 §5.2.4 mutate). */
const bump = (uuids: ReadonlyArray<string>, revision: number): ReadonlyArray<Json> =>
  uuids.map((uuid) => ({
    op: "mutate",
    table: TABLE,
    where: [["_uuid", "==", ["uuid", uuid]]],
    mutations: [
      ["external_ids", "delete", ["set", [REVISION]]],
      ["external_ids", "insert", ["map", [[REVISION, String(revision)]]]]
    ]
  }))

/** A bare socket that counts the replies it reads and discards every other byte. */
interface RawConnection {
  readonly write: (text: string) => void
  /** Resolves once `count` replies in all have been read. */
  readonly replies: (count: number) => Promise<void>
  readonly close: () => void
}

const rawConnection = (path: string) =>
  Effect.callback<RawConnection>((resume) => {
    let seen = 0
    let tail = ""
    let waiting: { readonly count: number; readonly done: () => void } | undefined
    const socket = Net.createConnection({ path }, () =>
      resume(Effect.succeed({
        write: (text) => socket.write(text),
        replies: (count) =>
          new Promise<void>((done) => {
            if (seen >= count) done()
            else waiting = { count, done }
          }),
        close: () => socket.destroy()
      })))
    socket.setEncoding("utf8")
    socket.on("data", (text: string) => {
      const data = tail + text
      for (let at = data.indexOf(REPLY_END); at !== -1; at = data.indexOf(REPLY_END, at + REPLY_END.length)) seen++
      tail = data.slice(-REPLY_END.length + 1)
      if (waiting !== undefined && seen >= waiting.count) {
        const { done } = waiting
        waiting = undefined
        done()
      }
    })
    socket.on("error", (error) => resume(Effect.die(error)))
  })

/** What one timed transaction took. */
interface Run {
  readonly wallMillis: number
  readonly busyMillis: number
  readonly cpuMillis: number
}

/** The wall time of `effect`, the event loop's busy time in it, and the process's CPU time. */
const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const cpu = process.cpuUsage()
    const loop = performance.eventLoopUtilization()
    const start = performance.now()
    yield* effect
    const wallMillis = performance.now() - start
    const busyMillis = performance.eventLoopUtilization(loop).active
    const used = process.cpuUsage(cpu)
    return { wallMillis, busyMillis, cpuMillis: (used.user + used.system) / 1000 } satisfies Run
  })

const initial = (remote: string, table: keyof typeof Nb.database.tables) =>
  Effect.gen(function*() {
    const replica = yield* Replica.make(Nb.database, { [table]: true })
    yield* Console.log(yield* replica.read((view) => view.all(table).length))
  }).pipe(
    Effect.scoped,
    Effect.provide(Ovsdb.layer({ remote })),
    ServerWait.timingWaits,
    Effect.andThen(ServerWait.report),
    Effect.orDie
  )

const detail = (remote: string, updates: number, rounds: number) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(Ovsdb.layer({ remote }))
    const ovsdb = Context.get(context, Ovsdb.Ovsdb)
    const session = Context.get(context, Session)
    let applyMillis = 0
    // The session, with the replica's handler timed.
    const measured = Context.add(
      context,
      Session,
      Session.of({
        ...session,
        monitorWith: (database, requests, onEvent) =>
          session.monitorWith(database, requests, (event) => {
            const start = performance.now()
            onEvent(event)
            applyMillis += performance.now() - start
          })
      })
    )
    yield* ovsdb.echo()
    collectGarbage()
    const heapBefore = process.memoryUsage().heapUsed

    let rows = 0
    let bytesPerRow = 0
    let uuids: ReadonlyArray<string> = []
    let revision = 0
    const replicaRuns: Array<Run> = []
    const applyRuns: Array<number> = []
    const rawRuns: Array<Run> = []

    const withReplica = Effect.gen(function*() {
      const replica = yield* Replica.make(Nb.database, { Logical_Switch_Port: true }).pipe(Effect.provide(measured))
      if (uuids.length === 0) {
        collectGarbage()
        const held = process.memoryUsage().heapUsed - heapBefore
        const all = yield* replica.all(TABLE)
        rows = all.length
        bytesPerRow = held / rows
        uuids = all.slice(0, updates).map((row) => row._uuid.value)
      }
      for (let i = 0; i < PER_CONNECTION; i++) {
        const operations = bump(uuids, ++revision)
        yield* settle
        applyMillis = 0
        replicaRuns.push(yield* timed(ovsdb.transactJson(DATABASE, operations)))
        applyRuns.push(applyMillis)
        // Applied when transact returned: the last row modified shows the new revision.
        const row = yield* replica.get(TABLE, uuids[uuids.length - 1]!)
        if (row?.external_ids.get(REVISION) !== String(revision)) {
          return yield* Effect.die(new Error(`the replica had not applied revision ${revision} when transact returned`))
        }
      }
    }).pipe(Effect.scoped)

    const withRaw = Effect.gen(function*() {
      const raw = yield* Effect.acquireRelease(rawConnection(remote.replace(/^unix:/, "")), (raw) =>
        Effect.sync(raw.close))
      const request = [DATABASE, "raw", Monitor.encodeRequests({ [TABLE]: { columns } }, 3), Monitor.ZERO_TXN_ID]
      raw.write(encode(JsonRpc.request("monitor_cond_since", request, "monitor")))
      yield* Effect.promise(() =>
        raw.replies(1)
      )
      for (let i = 0; i < PER_CONNECTION; i++) {
        const operations = bump(uuids, ++revision)
        yield* settle
        rawRuns.push(
          yield* timed(Effect.promise(() => {
            raw.write(encode(JsonRpc.request("transact", [DATABASE, ...operations], i)))
            return raw.replies(i + 2)
          }))
        )
      }
    }).pipe(Effect.scoped)

    for (let round = 0; round < rounds; round++) {
      // The first round starts with the replica: its first contents give the memory figure and the rows.
      if (round % 2 === 0) yield* Effect.andThen(withReplica, withRaw)
      else yield* Effect.andThen(withRaw, withReplica)
    }
    const report: Detail = {
      rows,
      bytesPerRow,
      updates: uuids.length,
      replicaMillis: median(replicaRuns.map((run) => run.wallMillis)),
      rawMillis: median(rawRuns.map((run) => run.wallMillis)),
      replicaBusyMillis: median(replicaRuns.map((run) => run.busyMillis)),
      rawBusyMillis: median(rawRuns.map((run) => run.busyMillis)),
      applyMillis: median(applyRuns),
      replicaCpuMillis: median(replicaRuns.map((run) => run.cpuMillis)),
      rawCpuMillis: median(rawRuns.map((run) => run.cpuMillis)),
      samples: replicaRuns.length,
      replicaRuns: replicaRuns.map((run) => Math.round(run.busyMillis)),
      rawRuns: rawRuns.map((run) => Math.round(run.busyMillis))
    }
    yield* Console.log(JSON.stringify(report))
  }).pipe(Effect.scoped, Effect.orDie)

const [mode, remote, ...rest] = process.argv.slice(2)

NodeRuntime.runMain(
  mode === "initial"
    ? initial(remote!, (rest[0] ?? TABLE) as keyof typeof Nb.database.tables)
    : detail(remote!, Number(rest[0] ?? 10_000), Number(rest[1] ?? 2))
)
