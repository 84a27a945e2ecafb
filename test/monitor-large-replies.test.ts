// Initial replies that span many reads, from a real ovsdb-server: their rows, decoded as they arrive
// (Monitor.ReplyRows), equal the whole reply decoded, for every monitor method and for the replica.
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import * as Codec from "../src/Codec.js"
import * as Store from "../src/internal/replicaStore.js"
import type { Json } from "../src/Json.js"
import * as Nb from "../src/models/OVN_Northbound.js"
import * as Ovsdb from "../src/Ovsdb.js"
import * as Monitor from "../src/protocol/Monitor.js"
import * as Op from "../src/protocol/Operation.js"
import * as Value from "../src/protocol/Value.js"
import * as Replica from "../src/Replica.js"
import * as RpcClient from "../src/RpcClient.js"
import * as Transport from "../src/Transport.js"
import { OvsdbServer } from "./support/OvsdbServer.js"

const NB = "OVN_Northbound"
/** Enough rows for a reply of about 1 MB: a few dozen reads. */
const ROWS = 3000
const REQUESTS: Monitor.Requests = { Address_Set: {} }

/** A row update's row, by UUID. */
const byUuid = (updates: ReadonlyArray<Monitor.RowUpdate> | string) => {
  if (typeof updates === "string") return assert.fail(updates)
  return new Map(updates.map((update) => [update.uuid.value, update._tag === "Initial" ? update.row : update]))
}

describe("initial replies that span reads", () => {
  it.live(
    "decode as they arrive to what the whole reply decodes to: monitor, monitor_cond, monitor_cond_since, replica",
    () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer.start({ databases: [NB] })
        const ovsdb = Context.get(yield* Layer.build(Ovsdb.layerConnection({ remote: server.unix })), Ovsdb.Ovsdb)
        yield* ovsdb.transact(
          NB,
          ...Array.from({ length: ROWS }, (_, i) =>
            Op.insert("Address_Set", {
              name: `set-${i} é ☃`,
              addresses: Array.from({ length: i % 6 }, (_, k) => `10.${k}.${i >> 8}.${i & 255}`),
              external_ids: new Map([["owner", `o${i % 7}`], ["ünï", "\"quoted\" \\ text"]])
            }))
        )
        const rpcLayer = RpcClient.layer().pipe(
          Layer.provide(Codec.layer()),
          Layer.provide(Transport.layer({ remote: server.unix }))
        )
        const rpc = Context.get(yield* Layer.build(rpcLayer), RpcClient.RpcClient)

        // The RPC level: the reply read by its rows has a marker for every row, and decodes the same.
        const params = (
          id: string,
          version: 2 | 3
        ) => [NB, id, Monitor.encodeRequests(REQUESTS, version), ...(version === 3 ? [Monitor.ZERO_TXN_ID] : [])]
        const plain = byUuid(Monitor.decodeTableUpdates(yield* rpc.call("monitor_cond", params("plain", 2)), 2, true))
        assert.strictEqual(plain.size, ROWS)
        for (
          const [method, version, nested] of [["monitor_cond", 2, "row"], ["monitor_cond_since", 3, "update"]] as const
        ) {
          const rows = new Monitor.ReplyRows(nested)
          const reply = yield* rpc.call(method, params(method, version), { readReply: rows.read })
          const updates = (version === 3 ? (reply as ReadonlyArray<Json>)[2]! : reply) as {
            readonly Address_Set: { readonly [uuid: string]: Json }
          }
          const marked = Object.values(updates.Address_Set).filter((update) =>
            Array.isArray(nested === "row" ? (update as { readonly initial: Json }).initial : update)
          )
          assert.strictEqual(marked.length, ROWS, `${method}: every row read as it came`)
          assert.deepStrictEqual(byUuid(Monitor.decodeTableUpdates(updates, version, true, rows)), plain, method)
        }

        // The Ovsdb API, each method.
        // monitor (version 1) sends every column, where the others leave out those with default values.
        const plain1 = Monitor.decodeTableUpdates(
          yield* rpc.call("monitor", [NB, "plain1", Monitor.encodeRequests(REQUESTS, 1)]),
          1,
          true
        )
        const rows1 = byUuid(plain1)
        assert.deepStrictEqual(byUuid((yield* ovsdb.monitor(NB, REQUESTS)).initial), rows1, "monitor")
        assert.deepStrictEqual(byUuid((yield* ovsdb.monitorCond(NB, REQUESTS)).initial), plain, "monitorCond")
        assert.deepStrictEqual(byUuid((yield* ovsdb.monitorCondSince(NB, REQUESTS)).initial), plain, "monitorCondSince")

        // The replica, over a session (monitor_cond_since).
        const replica = yield* Replica.make(Nb.database, { Address_Set: true }).pipe(
          Effect.provide(yield* Layer.build(Ovsdb.layer({ remote: server.unix })))
        )
        const replicated = yield* replica.all("Address_Set")
        assert.strictEqual(replicated.length, ROWS)
        const types = Nb.database.schema.tables.Address_Set!.columns
        for (const row of replicated) {
          const expected = rows1.get(row._uuid.value) as Value.Row
          for (const column of ["name", "addresses", "external_ids"] as const) {
            assert.strictEqual(
              Store.valueKey(row[column]),
              Store.valueKey(Value.normalize(types[column]!.type, expected[column]!)),
              `${row._uuid.value}.${column}`
            )
          }
        }
      }).pipe(Effect.scoped),
    120_000
  )
})
