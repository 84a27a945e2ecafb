// Monitors against a real ovsdb-server: monitor, monitor_cond (+ change), monitor_cond_since,
// cancel, read-your-writes, independence, cross-tool changes, and the server cancelling a monitor.
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Option, Stream } from "effect"
import * as Ovsdb from "../src/Ovsdb.js"
import type { ColumnType } from "../src/protocol/DatabaseSchema.js"
import * as Monitor from "../src/protocol/Monitor.js"
import * as Op from "../src/protocol/Operation.js"
import { OvsdbServer, runTool } from "./support/OvsdbServer.js"

const NB = "OVN_Northbound"

const ServerLayer = OvsdbServer.layer()
const TestLayer = Layer.provideMerge(
  Layer.unwrap(OvsdbServer.use((server) => Effect.succeed(Ovsdb.layerConnection({ remote: server.unix })))),
  ServerLayer
)

/** The next `n` updates of a monitor, waiting at most a few seconds for them. */
const next = (monitor: Ovsdb.LiveMonitor, n = 1) =>
  monitor.updates.pipe(Stream.take(n), Stream.runCollect, Effect.timeout("5 seconds"))

const changesOf = (updates: ReadonlyArray<Ovsdb.MonitorEvent>) => updates.flatMap((u) => u.changes)

const insertAddressSet = (name: string, addresses: ReadonlyArray<string> = []) =>
  Ovsdb.Ovsdb.use((ovsdb) => ovsdb.transact(NB, Op.insert("Address_Set", { name, addresses })))

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("monitors", (it) => {
  describe("monitor (RFC 7047 §4.1.5)", () => {
    it.effect("reports initial rows, then inserts, modifications and deletions", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* insertAddressSet("v1-before", ["10.0.0.1"])
        const monitor = yield* ovsdb.monitor(NB, { Address_Set: { columns: ["name", "addresses"] } })
        const initial = monitor.initial.find((u) => u._tag === "Initial" && u.row.name === "v1-before")
        assert.isDefined(initial)

        const [{ uuid }] = yield* insertAddressSet("v1", ["1.1.1.1"])
        yield* ovsdb.transact(NB, Op.update("Address_Set", [Op.where("_uuid", "==", uuid)], { addresses: ["2.2.2.2"] }))
        yield* ovsdb.transact(NB, Op.delete("Address_Set", [Op.where("_uuid", "==", uuid)]))
        const [inserted, modified, deleted] = changesOf(yield* next(monitor, 3))
        assert.deepStrictEqual(inserted, {
          _tag: "Insert",
          table: "Address_Set",
          uuid,
          row: { name: "v1", addresses: "1.1.1.1" }
        })
        assert.deepStrictEqual(modified, {
          _tag: "Modify",
          table: "Address_Set",
          uuid,
          row: { name: "v1", addresses: "2.2.2.2" },
          old: { addresses: "1.1.1.1" }
        })
        assert.deepStrictEqual(deleted, {
          _tag: "Delete",
          table: "Address_Set",
          uuid,
          old: { name: "v1", addresses: "2.2.2.2" }
        })
      })))

    it.effect("honours the select flags", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const monitor = yield* ovsdb.monitor(NB, {
          Address_Set: { columns: ["name"], select: { initial: false, insert: false, modify: false, delete: true } }
        })
        assert.deepStrictEqual(monitor.initial, [])
        const [{ uuid }] = yield* insertAddressSet("only-deletes")
        yield* ovsdb.transact(NB, Op.delete("Address_Set", [Op.where("_uuid", "==", uuid)]))
        const [change] = changesOf(yield* next(monitor))
        assert.strictEqual(change?._tag, "Delete")
        assert.deepStrictEqual(change?.uuid, uuid)
      })))
  })

  describe("monitor_cond and update2", () => {
    it.effect("reports only matching rows, and modifications as diffs that applyDiff replays", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const monitor = yield* ovsdb.monitorCond(NB, {
          Address_Set: { columns: ["name", "addresses", "external_ids"], where: [Op.where("name", "==", "v2")] }
        })
        assert.deepStrictEqual(monitor.initial, [])
        yield* insertAddressSet("not-v2")
        const [{ uuid }] = yield* insertAddressSet("v2", ["1.1.1.1", "2.2.2.2"])
        yield* ovsdb.transact(
          NB,
          Op.mutate("Address_Set", [Op.where("name", "==", "v2")], [
            Op.mutation("addresses", "delete", ["1.1.1.1"]),
            Op.mutation("addresses", "insert", ["3.3.3.3"]),
            Op.mutation("external_ids", "insert", new Map([["owner", "b"], ["keep", "x"]]))
          ])
        )
        yield* ovsdb.transact(
          NB,
          Op.mutate("Address_Set", [Op.where("name", "==", "v2")], [Op.mutation("external_ids", "delete", ["owner"])])
        )
        const [inserted, modified, modifiedAgain] = changesOf(yield* next(monitor, 3))
        assert.deepStrictEqual(inserted, {
          _tag: "Insert",
          table: "Address_Set",
          uuid,
          row: { name: "v2", addresses: ["1.1.1.1", "2.2.2.2"] }
        })
        assert.strictEqual(modified?._tag, "Modify")
        assert.strictEqual(modifiedAgain?._tag, "Modify")
        if (modified?._tag !== "Modify" || modifiedAgain?._tag !== "Modify" || inserted?._tag !== "Insert") return

        // The set diff is the symmetric difference; replaying the diffs gives what select returns.
        assert.deepStrictEqual(modified.diff?.addresses, ["1.1.1.1", "3.3.3.3"])
        const setType: ColumnType = { key: { type: "string" }, min: 0, max: "unlimited" }
        const mapType: ColumnType = { key: { type: "string" }, value: { type: "string" }, min: 0, max: "unlimited" }
        const addresses = Monitor.applyDiff(setType, inserted.row.addresses, modified.diff!.addresses!)
        const ids = Monitor.applyDiff(
          mapType,
          Monitor.applyDiff(mapType, undefined, modified.diff!.external_ids!),
          modifiedAgain.diff!.external_ids!
        )
        const [{ rows }] = yield* ovsdb.transact(
          NB,
          Op.select("Address_Set", [Op.where("name", "==", "v2")], ["addresses", "external_ids"])
        )
        assert.deepStrictEqual([...(addresses as ReadonlyArray<string>)].sort(), rows[0]!.addresses)
        assert.deepStrictEqual(ids, rows[0]!.external_ids)
      })))

    it.effect("monitor_cond_change moves the window: rows leave and enter", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const [{ uuid: a }] = yield* insertAddressSet("window-a")
        const [{ uuid: b }] = yield* insertAddressSet("window-b")
        const monitor = yield* ovsdb.monitorCond(NB, {
          Address_Set: { columns: ["name"], where: [Op.where("name", "==", "window-a")] }
        })
        assert.deepStrictEqual(monitor.initial, [{
          _tag: "Initial",
          table: "Address_Set",
          uuid: a,
          row: { name: "window-a" }
        }])
        yield* monitor.change({ Address_Set: { where: [Op.where("name", "==", "window-b")] } })
        const changes = changesOf(yield* next(monitor))
        assert.sameDeepMembers([...changes], [
          { _tag: "Delete", table: "Address_Set", uuid: a },
          { _tag: "Insert", table: "Address_Set", uuid: b, row: { name: "window-b" } }
        ])
      })))
  })

  describe("monitor_cond_since and update3", () => {
    it.effect("reports found, the last transaction id, and update3 with transaction ids", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const monitor = yield* ovsdb.monitorCondSince(NB, {
          Address_Set: { columns: ["name"], where: [Op.where("name", "==", "v3")] }
        })
        // A standalone database keeps no transaction history.
        assert.isFalse(monitor.found)
        assert.strictEqual(monitor.lastTxnId, "00000000-0000-0000-0000-000000000000")
        const [{ uuid }] = yield* insertAddressSet("v3")
        const [update] = yield* next(monitor)
        assert.isString(update?.lastTxnId)
        assert.deepStrictEqual(update?.changes, [{ _tag: "Insert", table: "Address_Set", uuid, row: { name: "v3" } }])
      })))

    it.effect("of _Server from any transaction id starts over, and the server lives (3.1 crashes when sent the id)", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const monitor = yield* ovsdb.monitorCondSince(
          "_Server",
          { Database: { columns: ["name"], where: [Op.where("name", "==", NB)] } },
          "6c9e7b43-0f1a-4d2e-9b8a-3c5d7e9f1a2b"
        )
        assert.isFalse(monitor.found)
        assert.strictEqual(monitor.lastTxnId, Monitor.ZERO_TXN_ID)
        assert.deepStrictEqual(monitor.initial.map((change) => change.row), [{ name: NB }])
        assert.deepStrictEqual(yield* ovsdb.echo("alive"), ["alive"])
      })))
  })

  describe("the monitor as a resource", () => {
    it.effect("has delivered a transaction's updates by the time transact returns", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const monitor = yield* ovsdb.monitorCond(NB, {
          Address_Set: { columns: ["name"], where: [Op.where("name", "==", "ryw")] }
        })
        const pull = yield* Stream.toPull(monitor.updates)
        yield* insertAddressSet("ryw")
        // No waiting: the update is already buffered when the reply has come.
        const ready = yield* Effect.timeoutOption(pull, "0 millis")
        assert.isTrue(Option.isSome(ready))
      })))

    it.effect("sends monitor_cancel when its scope closes", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const id = yield* Effect.scoped(
          Effect.map(ovsdb.monitor(NB, { Address_Set: { columns: ["name"] } }), (m) => m.id)
        )
        const error = yield* Effect.flip(ovsdb.rpc.call("monitor_cancel", [id]))
        assert.strictEqual(error._tag, "RpcError")
        if (error._tag === "RpcError") assert.strictEqual(error.error, "unknown monitor")
      }))

    it.effect("monitors on one connection are independent", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const left = yield* ovsdb.monitorCond(NB, {
          Address_Set: { columns: ["name"], where: [Op.where("name", "==", "left")] }
        })
        const right = yield* ovsdb.monitorCond(NB, {
          Address_Set: { columns: ["name"], where: [Op.where("name", "==", "right")] }
        })
        yield* insertAddressSet("right")
        yield* insertAddressSet("left")
        const [l] = changesOf(yield* next(left))
        const [r] = changesOf(yield* next(right))
        assert.deepStrictEqual(l?._tag === "Insert" ? l.row : undefined, { name: "left" })
        assert.deepStrictEqual(r?._tag === "Insert" ? r.row : undefined, { name: "right" })
      })))

    it.effect("reports what ovn-nbctl changes", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const server = yield* OvsdbServer
        const monitor = yield* ovsdb.monitorCond(NB, { Logical_Switch: { columns: ["name", "other_config"] } })
        yield* runTool("ovn-nbctl", [`--db=${server.unix}`, "ls-add", "from-nbctl"])
        yield* runTool("ovn-nbctl", [`--db=${server.unix}`, "set", "Logical_Switch", "from-nbctl", "other_config:k=v"])
        const [inserted, modified] = changesOf(yield* next(monitor, 2))
        assert.deepStrictEqual(inserted?._tag === "Insert" ? inserted.row : undefined, { name: "from-nbctl" })
        assert.deepStrictEqual(modified?._tag === "Modify" ? modified.diff : undefined, {
          other_config: new Map([["k", "v"]])
        })
      })))
  })

  describe("changes made by ovs-vsctl", () => {
    it.effect("arrive with the right diffs", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const server = yield* OvsdbServer
        const vsctl = (...args: ReadonlyArray<string>) =>
          runTool("ovs-vsctl", [`--db=${server.unix}`, "--no-wait", ...args])
        yield* vsctl("init")
        const monitor = yield* ovsdb.monitorCond("Open_vSwitch", { Bridge: { columns: ["name", "other_config"] } })
        yield* vsctl("add-br", "br-mon")
        yield* vsctl("set", "Bridge", "br-mon", "other_config:a=1", "other_config:b=2")
        yield* vsctl("remove", "Bridge", "br-mon", "other_config", "a")
        yield* vsctl("del-br", "br-mon")
        const [inserted, set, removed, deleted] = changesOf(yield* next(monitor, 4))
        assert.deepStrictEqual(inserted?._tag === "Insert" ? inserted.row : undefined, { name: "br-mon" })
        assert.deepStrictEqual(set?._tag === "Modify" ? set.diff : undefined, {
          other_config: new Map([["a", "1"], ["b", "2"]])
        })
        // A removed key comes back in the diff with its old value.
        assert.deepStrictEqual(removed?._tag === "Modify" ? removed.diff : undefined, {
          other_config: new Map([["a", "1"]])
        })
        assert.strictEqual(deleted?._tag, "Delete")
      })))
  })

  describe("the server cancelling a monitor", () => {
    it.effect("fails the stream with MonitorCanceled when the database is removed", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const server = yield* OvsdbServer
        yield* ovsdb.rpc.call("set_db_change_aware", [true])
        const monitor = yield* ovsdb.monitorCond("Open_vSwitch", { Bridge: { columns: ["name"] } })
        yield* runTool("ovs-appctl", ["-t", server.ctl, "ovsdb-server/remove-db", "Open_vSwitch"])
        const error = yield* Effect.flip(Stream.runDrain(monitor.updates).pipe(Effect.timeout("5 seconds")))
        assert.strictEqual(error._tag, "MonitorCanceled")
      })))
  })

  describe("convert (ovsdb-server(7) §4.1.19)", () => {
    it.effect("converts a database online to a schema with a new column; open monitors are cancelled", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* ovsdb.setDbChangeAware(true)
        yield* insertAddressSet("survives-conversion")
        const monitor = yield* ovsdb.monitorCond(NB, { Address_Set: { columns: ["name"] } })

        const schema = (yield* ovsdb.getSchemaJson(NB)) as {
          readonly version: string
          readonly tables: { readonly [table: string]: { readonly columns: object } }
        }
        const [major, minor, patch] = schema.version.split(".").map(Number)
        const converted = {
          ...schema,
          version: `${major}.${minor}.${patch! + 1}`,
          tables: {
            ...schema.tables,
            Address_Set: {
              ...schema.tables.Address_Set,
              columns: { ...schema.tables.Address_Set!.columns, note: { type: "string" } }
            }
          }
        }
        yield* ovsdb.convert(NB, converted)

        const error = yield* Effect.flip(Stream.runDrain(monitor.updates).pipe(Effect.timeout("5 seconds")))
        assert.strictEqual(error._tag, "MonitorCanceled")
        const after = yield* ovsdb.getSchema(NB)
        assert.deepStrictEqual(after.tables.Address_Set!.columns.note!.type, {
          key: { type: "string" },
          min: 1,
          max: 1
        })
        // The data came through, and the new column works.
        const [updated, { rows }] = yield* ovsdb.transact(
          NB,
          Op.update("Address_Set", [Op.where("name", "==", "survives-conversion")], { note: "converted" }),
          Op.select("Address_Set", [Op.where("name", "==", "survives-conversion")], ["name", "note"])
        )
        assert.strictEqual(updated.count, 1)
        assert.deepStrictEqual(rows, [{ name: "survives-conversion", note: "converted" }])
      })))
  })
})
