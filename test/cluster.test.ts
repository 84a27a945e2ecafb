// monitor_cond_since on a clustered (Raft) database, which keeps transaction history: a monitor
// resumed after the last transaction it saw gets `found` and only the changes it missed.
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import * as Ovsdb from "../src/Ovsdb.js"
import * as Op from "../src/protocol/Operation.js"
import { OvsdbServer } from "./support/OvsdbServer.js"

const NB = "OVN_Northbound"

const TestLayer = Layer.provideMerge(
  Layer.unwrap(OvsdbServer.use((server) => Effect.succeed(Ovsdb.layer({ remote: server.unix })))),
  OvsdbServer.layer({ databases: ["OVN_Northbound"], clustered: true })
)

const requests = { Address_Set: { columns: ["name"] } }

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("a clustered database", (it) => {
  describe("monitor_cond_since", () => {
    it.effect("resumes after the last transaction seen, with only the changes missed", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        // A one-member cluster elects itself within moments; until then writes wait.
        yield* ovsdb.transact(NB, Op.insert("Address_Set", { name: "before" })).pipe(Effect.timeout("10 seconds"))

        const seen = yield* Effect.scoped(Effect.gen(function*() {
          const monitor = yield* ovsdb.monitorCondSince(NB, requests)
          assert.isFalse(monitor.found) // nothing to resume from
          assert.notStrictEqual(monitor.lastTxnId, "00000000-0000-0000-0000-000000000000")
          assert.deepStrictEqual(monitor.initial.map((u) => u._tag === "Initial" && u.row.name), ["before"])
          yield* ovsdb.transact(NB, Op.insert("Address_Set", { name: "seen" }))
          const [update] = yield* monitor.updates.pipe(Stream.take(1), Stream.runCollect, Effect.timeout("5 seconds"))
          assert.deepStrictEqual(update!.changes.map((u) => u._tag === "Insert" && u.row.name), ["seen"])
          return update!.lastTxnId!
        }))

        // Changed while no monitor was open.
        yield* ovsdb.transact(NB, Op.insert("Address_Set", { name: "missed" }))

        yield* Effect.scoped(Effect.gen(function*() {
          const resumed = yield* ovsdb.monitorCondSince(NB, requests, seen)
          assert.isTrue(resumed.found)
          assert.notStrictEqual(resumed.lastTxnId, seen)
          assert.deepStrictEqual(resumed.initial.map((u) => [u._tag, u._tag === "Insert" && u.row.name]), [
            ["Insert", "missed"]
          ])
        }))
      }))
  })
})
