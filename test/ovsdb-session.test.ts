// The Ovsdb API over the resilient session (Ovsdb.layer), on a real 3-member Raft cluster:
// the same calls, monitors and locks as over one connection, through kill -9 of the leader.
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Stream } from "effect"
import * as Ovsdb from "../src/Ovsdb.js"
import * as Op from "../src/protocol/Operation.js"
import * as Session from "../src/Session.js"
import { OvsdbCluster } from "./support/OvsdbCluster.js"

const NB = "OVN_Northbound"

describe("Ovsdb.layer, the resilient session", () => {
  it.live("transact, monitorCond and lock go on through kill -9 of the leader", () =>
    Effect.gen(function*() {
      const cluster = yield* OvsdbCluster.start({ database: NB })
      const context = yield* Layer.build(Ovsdb.layer({ remote: cluster.unix, database: NB }))
      const ovsdb = Context.get(context, Ovsdb.Ovsdb)
      const session = Context.get(context, Session.Session)

      const monitor = yield* ovsdb.monitorCond(NB, { Address_Set: { columns: ["name"] } })
      const names: Array<string> = []
      yield* Effect.forkChild(Stream.runForEach(monitor.updates, (event) =>
        Effect.sync(() => {
          assert.strictEqual(event._tag, "Update")
          for (const change of event.changes) if (change._tag === "Insert") names.push(String(change.row.name))
        })))
      const lock = yield* ovsdb.lock("api_lock")
      yield* ovsdb.transact(NB, Op.insert("Address_Set", { name: "before" }))
      // The updates a transaction causes are on the monitor's stream when its transact returns.
      assert.deepStrictEqual(names, ["before"])

      const leader = yield* cluster.leader
      yield* cluster.kill(leader)
      // Made while the session reconnects: it waits for the new leader.
      yield* ovsdb.transact(NB, Op.insert("Address_Set", { name: "after" }))
      assert.notStrictEqual((yield* session.status).remote, cluster.members[leader]!.unix)

      assert.deepStrictEqual(names, ["before", "after"])
      assert.isTrue(yield* lock.held)
      const [{ rows }] = yield* ovsdb.transact(NB, Op.select("Address_Set", [], ["name"]))
      assert.deepStrictEqual(rows.map((row) => row.name).sort(), ["after", "before"])
      assert.strictEqual((yield* session.status).reconnects, 1)
    }), 120_000)
})
