// The resilient session against real 3-member Raft clusters of ovsdb-server: leader-only whatever
// the order of the remotes, and monitors and locks that survive kill -9 of the leader.
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Stream } from "effect"
import * as Ovsdb from "../src/Ovsdb.js"
import * as Op from "../src/protocol/Operation.js"
import { RpcClient } from "../src/RpcClient.js"
import * as Session from "../src/Session.js"
import { type Cluster, OvsdbCluster } from "./support/OvsdbCluster.js"

const NB = "OVN_Northbound"

/** A session over `remote`, open for the current scope. */
const open = (options: Session.Options) =>
  Effect.map(Layer.build(Session.layer(options)), (context) => Context.get(context, Session.Session))

/** Waits (at most 30 s) until the session's state is `Ready`; returns its remote. */
const whenReady = (session: Session.Session["Service"], not?: string) =>
  session.changes.pipe(
    Stream.filter((status) => status.state._tag === "Ready" && status.remote !== not),
    Stream.runHead,
    Effect.flatMap(Effect.fromOption),
    Effect.map((status) => status.remote!),
    Effect.timeoutOrElse({ duration: "30 seconds", orElse: () => Effect.die("the session did not become ready") })
  )

/** The unix remote of the cluster's current leader. */
const leaderRemote = (cluster: Cluster) => Effect.map(cluster.leader, (i) => cluster.members[i]!.unix)

/** The Ovsdb API over the session's rpc. */
const api = (session: Session.Session["Service"]) => Ovsdb.make().pipe(Effect.provideService(RpcClient, session.rpc))

describe("leader-only", () => {
  it.live(
    "whatever the order of the remotes, the session ends up on the leader, within one pass",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const leader = yield* cluster.leader
        const others = cluster.members.filter((m) => m.index !== leader).map((m) => m.unix)
        // The leader last: each follower is tried once and refused, with no backoff in between.
        const remote = [...others, cluster.members[leader]!.unix].join(",")
        const session = yield* open({ remote, database: NB, shuffle: false })
        const states: Array<string> = []
        yield* Effect.forkChild(Stream.runForEach(session.changes, (s) => Effect.sync(() => states.push(s.state._tag))))
        assert.strictEqual(yield* whenReady(session), cluster.members[leader]!.unix)
        assert.notInclude(states, "Backoff")
        const status = yield* session.status
        assert.strictEqual(status.state._tag, "Ready")
        assert.match(status.lastDisconnect ?? "", /not the cluster leader/)
      }),
    120_000
  )
})

describe("failover", () => {
  it.live(
    "kill -9 of the leader: the monitor sees every committed change exactly once, and the lock comes back",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const watcher = yield* open({ remote: cluster.unix, database: NB })
        const writer = yield* open({ remote: cluster.unix, database: NB })
        yield* whenReady(watcher)
        const ovsdb = yield* api(writer)

        const monitor = yield* watcher.monitor(NB, { Address_Set: { columns: ["name"] } })
        assert.deepStrictEqual(monitor.initial, [])
        const seen: Array<string> = []
        const resets: Array<string> = []
        yield* Effect.forkChild(Stream.runForEach(monitor.updates, (event) =>
          Effect.sync(() => {
            if ("_tag" in event && event._tag === "Reset") resets.push(event.reason)
            for (const change of event.changes) {
              if (change._tag === "Insert") seen.push(String(change.row.name))
            }
          })))

        const lock = yield* watcher.lock("leader_work")
        const lockChanges: Array<string> = []
        yield* Effect.forkChild(Stream.runForEach(lock.changes, (c) => Effect.sync(() => lockChanges.push(c))))

        // A writer commits every 100 ms, across the kills; a reply never seen is outcome unknown.
        const committed: Array<string> = []
        const unknown: Array<string> = []
        let n = 0
        const writing = yield* Effect.forkChild(Effect.forever(
          Effect.gen(function*() {
            const name = `w${n++}`
            const exit = yield* Effect.exit(ovsdb.transact(NB, Op.insert("Address_Set", { name })))
            if (Exit.isSuccess(exit)) committed.push(name)
            else unknown.push(name)
            yield* Effect.sleep("100 millis")
          })
        ))
        for (let kill = 0; kill < 2; kill++) {
          yield* Effect.sleep("600 millis")
          const before = yield* leaderRemote(cluster)
          const i = cluster.members.findIndex((m) => m.unix === before)
          yield* cluster.kill(i)
          yield* whenReady(watcher, before)
          yield* cluster.restart(i)
        }
        yield* Effect.sleep("600 millis")
        yield* Fiber.interrupt(writing)

        // What the database holds now, read through the writer's session.
        const [{ rows }] = yield* ovsdb.transact(NB, Op.select("Address_Set", [], ["name"]))
        const stored = rows.map((row) => String(row.name)).sort()
        yield* Effect.gen(function*() {
          for (let i = 0; i < 100 && seen.length < stored.length; i++) yield* Effect.sleep("50 millis")
        })
        assert.deepStrictEqual([...seen].sort(), stored, "the monitor saw every stored row exactly once")
        for (const name of committed) assert.include(stored, name)
        assert.deepStrictEqual(resets, [], "the server still had the history: no reset")
        assert.isTrue(yield* lock.held)
        assert.includeMembers(lockChanges, ["lost", "held"])
        assert.isAtLeast((yield* watcher.status).reconnects, 2)
      }),
    180_000
  )
})
