// The replica against a real ovsdb-server: its contents as ovsdb-client dumps them after changes
// made by ovn-nbctl and ovs-vsctl, its indexes, its change stream across a forced resync, and its
// optimistic transactions.
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Stream } from "effect"
import * as Store from "../src/internal/replicaStore.js"
import * as Model from "../src/Model.js"
import * as Vs from "../src/models/Open_vSwitch.js"
import * as Nb from "../src/models/OVN_Northbound.js"
import * as Ovsdb from "../src/Ovsdb.js"
import * as Monitor from "../src/protocol/Monitor.js"
import * as Op from "../src/protocol/Operation.js"
import * as Value from "../src/protocol/Value.js"
import * as Replica from "../src/Replica.js"
import * as Typed from "../src/Typed.js"
import { eventually } from "./support/eventually.js"
import { OvsdbServer, runTool, type Server } from "./support/OvsdbServer.js"

const NB = "OVN_Northbound"

/** The Ovsdb API and session over `remote`, for the current scope. */
const connect = (remote: string) => Effect.map(Layer.build(Ovsdb.layer({ remote })), (context) => context)

/**
 * `ovsdb-client dump` of some columns of a table, as canonical text per row (`Store.valueKey` of
 * each column, the column's type read from the model), sorted: what the replica must equal.
 */
const dumped = (server: Server, database: Model.Database<unknown>, table: string, columns: ReadonlyArray<string>) =>
  Effect.map(
    runTool("ovsdb-client", ["--format=json", "dump", server.unix, database.name, table, "_uuid", ...columns]),
    (out) => {
      interface Dump {
        readonly headings: ReadonlyArray<string>
        readonly data: ReadonlyArray<ReadonlyArray<unknown>>
      }
      const parsed = JSON.parse(out) as Dump | ReadonlyArray<Dump>
      const dump: Dump = Array.isArray(parsed) ? (parsed as ReadonlyArray<Dump>)[0]! : parsed as Dump
      const types = database.schema.tables[table]!.columns
      return dump.data.map((row) =>
        dump.headings.map((heading, i) =>
          `${heading}=${Store.valueKey(Value.normalize(types[heading]!.type, Value.decode(row[i] as never)!))}`
        ).sort().join(" ")
      ).sort()
    }
  )

/** The replica's rows in the same canonical text. */
const shown = (rows: ReadonlyArray<object>, columns: ReadonlyArray<string>) =>
  rows.map((row) =>
    ["_uuid", ...columns].map((column) => `${column}=${Store.valueKey((row as Record<string, unknown>)[column])}`)
      .sort().join(" ")
  ).sort()

const nbctl = (server: Server, ...args: ReadonlyArray<string>) => runTool("ovn-nbctl", [`--db=${server.unix}`, ...args])

describe("Replica contents", () => {
  it.live("equal ovsdb-client dump after ovn-nbctl changes, with conditions, column subsets and indexes", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer.start({ databases: [NB] })
      const context = yield* connect(server.unix)
      const replica = yield* Replica.make(Nb.database, {
        Logical_Switch: { columns: ["name", "ports", "external_ids"] },
        Logical_Switch_Port: {
          where: [["type", "==", ""]],
          indexes: { byOwner: [["external_ids", "owner"]], byTag: ["tag_request"] }
        },
        Address_Set: true
      }).pipe(Effect.provide(context))

      const check = (what: string) =>
        Effect.gen(function*() {
          yield* replica.sync
          const switches = yield* replica.all("Logical_Switch")
          assert.deepStrictEqual(
            shown(switches, ["name", "ports", "external_ids"]),
            yield* dumped(server, Nb.database, "Logical_Switch", ["name", "ports", "external_ids"]),
            `Logical_Switch after ${what}`
          )
          const lspColumns = Object.keys(Nb.Logical_Switch_Port.codecs).filter((c) => c !== "_uuid" && c !== "_version")
          const ports = yield* replica.all("Logical_Switch_Port")
          const allPorts = yield* dumped(server, Nb.database, "Logical_Switch_Port", lspColumns)
          assert.deepStrictEqual(
            shown(ports, lspColumns),
            allPorts.filter((row: string) => row.split(" ").includes(`type=${Store.valueKey("")}`)),
            `Logical_Switch_Port (type "") after ${what}`
          )
          const sets = yield* replica.all("Address_Set")
          const setColumns = ["addresses", "external_ids", "name"]
          assert.deepStrictEqual(
            shown(sets, setColumns),
            yield* dumped(server, Nb.database, "Address_Set", setColumns),
            `Address_Set after ${what}`
          )
          // Every index agrees with a scan.
          for (const port of ports) {
            const owner = port.external_ids.get("owner")
            const found = yield* replica.find("Logical_Switch_Port", "byOwner", owner)
            assert.deepStrictEqual(
              found.map((row) => row._uuid.value).sort(),
              ports.filter((row) => row.external_ids.get("owner") === owner).map((row) => row._uuid.value).sort()
            )
            const [byName] = yield* replica.find("Logical_Switch_Port", "name", port.name)
            assert.strictEqual(byName?._uuid.value, port._uuid.value, "the schema index on name")
          }
        })

      yield* check("nothing")
      yield* nbctl(server, "ls-add", "sw0")
      yield* nbctl(server, "ls-add", "sw1")
      yield* nbctl(server, "lsp-add", "sw0", "p1", "--", "lsp-add", "sw0", "p2", "--", "lsp-add", "sw1", "p3")
      yield* check("adding switches and ports")
      yield* nbctl(server, "set", "Logical_Switch_Port", "p1", "external_ids:owner=alice", "tag_request=7")
      yield* nbctl(server, "set", "Logical_Switch_Port", "p3", "external_ids:owner=alice", "tag_request=3")
      yield* nbctl(server, "set", "Logical_Switch", "sw0", "external_ids:team=blue")
      yield* nbctl(server, "lsp-set-addresses", "p2", "00:00:00:00:00:02 10.0.0.2", "dynamic")
      yield* check("updates")
      assert.deepStrictEqual(
        (yield* replica.find("Logical_Switch_Port", "byOwner", "alice")).map((row) => row.name).sort(),
        ["p1", "p3"]
      )
      assert.deepStrictEqual(
        (yield* replica.range("Logical_Switch_Port", "byTag", { from: [3], to: [7] })).map((row) => row.name),
        ["p3", "p1"],
        "a range walks the keys in order"
      )
      assert.deepStrictEqual(
        (yield* replica.where("Logical_Switch_Port", [["tag_request", ">", 3]])).map((row) => row.name),
        ["p1"]
      )
      // Leaves the replica's condition: the row goes, as a delete.
      yield* nbctl(server, "lsp-set-type", "p2", "router")
      yield* nbctl(server, "add", "Address_Set", "as1", "addresses", "10.0.0.1").pipe(Effect.ignore)
      yield* nbctl(server, "create", "Address_Set", "name=as1", "addresses=\"10.0.0.1\",\"10.0.0.2\"")
      yield* nbctl(server, "remove", "Address_Set", "as1", "addresses", "\"10.0.0.1\"")
      yield* check("a port leaving the condition, a mutated set")
      yield* nbctl(server, "lsp-del", "p1", "--", "ls-del", "sw1", "--", "destroy", "Address_Set", "as1")
      yield* check("deletes")
      const failed = yield* Effect.flip(replica.find("Logical_Switch_Port", "byColour", "red"))
      assert.strictEqual(failed.constraint, "index")
      assert.include(failed.detail, "byOwner")
    }))

  it.live("equal ovsdb-client dump after ovs-vsctl changes", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer.start({ databases: ["Open_vSwitch"] })
      const context = yield* connect(server.unix)
      const replica = yield* Replica.make(Vs.database, {
        Bridge: { columns: ["name", "ports", "other_config"] },
        Port: true
      })
        .pipe(Effect.provide(context))
      const vsctl = (...args: ReadonlyArray<string>) =>
        runTool("ovs-vsctl", [`--db=${server.unix}`, "--no-wait", ...args])
      const portColumns = Object.keys(Vs.Port.codecs).filter((c) => c !== "_uuid" && c !== "_version")
      const check = (what: string) =>
        Effect.gen(function*() {
          yield* replica.sync
          assert.deepStrictEqual(
            shown(yield* replica.all("Bridge"), ["name", "ports", "other_config"]),
            yield* dumped(server, Vs.database, "Bridge", ["name", "ports", "other_config"]),
            `Bridge after ${what}`
          )
          assert.deepStrictEqual(
            shown(yield* replica.all("Port"), portColumns),
            yield* dumped(server, Vs.database, "Port", portColumns),
            `Port after ${what}`
          )
        })
      yield* vsctl("init")
      yield* vsctl("add-br", "br0", "--", "add-br", "br1")
      yield* vsctl("add-port", "br0", "eth0", "--", "set", "Port", "eth0", "tag=10", "trunks=1,2,3")
      yield* check("adding bridges and a port")
      yield* vsctl("set", "Bridge", "br0", "other_config:hwaddr=00:11:22:33:44:55")
      yield* vsctl("remove", "Port", "eth0", "trunks", "2")
      yield* vsctl("del-br", "br1")
      yield* check("updates and a delete")
    }))
})

describe("Replica changes", () => {
  it.live(
    "applied to an empty map give the replica, across a resync forced by more than the server's history",
    () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer.start({ databases: [NB] })
        const context = yield* connect(server.unix)
        const writer = Context.get(yield* Layer.build(Ovsdb.layerConnection({ remote: server.tcp })), Ovsdb.Ovsdb)
        // ovsdb-server keeps no more history than the database's size: room for the small transactions below.
        yield* writer.transact(
          NB,
          Op.insert("Address_Set", {
            name: "ballast",
            addresses: Array.from({ length: 2000 }, (_, i) => `10.1.${i >> 8}.${i & 255}`)
          })
        )
        const replica = yield* Replica.make(Nb.database, { Address_Set: { columns: ["name", "addresses"] } })
          .pipe(Effect.provide(context))
        const rebuilt = new Map<string, object>()
        const events: Array<string> = []
        const follower = yield* Effect.forkChild(Stream.runForEach(replica.changes, (event) =>
          Effect.sync(() => {
            events.push(event._tag)
            for (const change of event.changes) {
              if (change._tag === "Delete") {
                assert.isTrue(rebuilt.delete(change.uuid), "a delete of a row the stream inserted")
              } else if (change._tag === "Insert") {
                assert.isFalse(rebuilt.has(change.uuid), "an insert of a row the stream did not have")
                rebuilt.set(change.uuid, change.row)
              } else {
                assert.strictEqual(
                  rebuilt.get(change.uuid),
                  change.old,
                  "a modify's old row is the one the stream gave"
                )
                rebuilt.set(change.uuid, change.row)
              }
            }
          })))
        const same = Effect.gen(function*() {
          const rows = yield* replica.all("Address_Set")
          return rows.length === rebuilt.size && rows.every((row) => rebuilt.get(row._uuid.value) === row)
        })
        for (let i = 0; i < 20; i++) yield* writer.transact(NB, Op.insert("Address_Set", { name: `a${i}` }))
        yield* writer.transact(
          NB,
          Op.mutate("Address_Set", [Op.where("name", "==", "a1")], [Op.mutation("addresses", "insert", ["10.0.0.1"])])
        )
        yield* writer.transact(NB, Op.delete("Address_Set", [Op.where("name", "==", "a2")]))
        yield* eventually("the stream follows the replica", same)
        assert.deepStrictEqual(events.filter((tag) => tag === "Resync"), [])

        // Away while 150 transactions commit: more than the server keeps, so the replica reads its contents again.
        const ctl = (...args: ReadonlyArray<string>) =>
          runTool("ovs-appctl", ["--timeout=5", "-t", server.ctl, ...args])
        yield* ctl("ovsdb-server/remove-remote", `punix:${server.unixPath}`)
        for (let i = 0; i < 150; i++) {
          yield* writer.transact(
            NB,
            Op.mutate("Address_Set", [Op.where("name", "==", "a3")], [
              Op.mutation("addresses", "insert", [`10.2.0.${i}`])
            ])
          )
        }
        yield* writer.transact(NB, Op.delete("Address_Set", [Op.where("name", "==", "a4")]))
        yield* writer.transact(NB, Op.insert("Address_Set", { name: "while-away" }))
        yield* ctl("ovsdb-server/add-remote", `punix:${server.unixPath}`)
        yield* eventually("a resync", Effect.sync(() => events.includes("Resync")), 30)
        yield* replica.sync
        yield* eventually("the stream follows the replica after the resync", same)
        assert.deepStrictEqual(events.filter((tag) => tag === "Resync"), ["Resync"], "exactly one resync")
        assert.strictEqual(events[0], "Snapshot")
        const names = (yield* replica.all("Address_Set")).map((row) => row.name).sort()
        const [{ rows }] = yield* writer.transact(NB, Op.select("Address_Set", [], ["name"]))
        assert.deepStrictEqual(names, rows.map((row) => String(row.name)).sort(), "the replica's rows are the server's")
        assert.include(names, "while-away")
        assert.notInclude(names, "a4")
        yield* Fiber.interrupt(follower)
      }),
    120_000
  )
})

describe("Replica.waitFor", () => {
  it.live("waits until a transaction id another replica saw is applied here, or for the zero UUID everything committed; a model from the server's schema works too", () =>
    Effect.gen(function*() {
      // Clustered: a standalone ovsdb-server reports the zero UUID for every transaction.
      const server = yield* OvsdbServer.start({ databases: [NB], clustered: true })
      const first = yield* Replica.make(Nb.database, { Address_Set: true }).pipe(
        Effect.provide(yield* connect(server.unix))
      )
      const ovsdb = Context.get(yield* connect(server.unix), Ovsdb.Ovsdb)
      const model = Model.fromSchema(yield* ovsdb.getSchema(NB))
      const second = yield* Replica.make(model, { Address_Set: { columns: ["name"] } })
        .pipe(Effect.provide(yield* connect(server.unix)))
      // A table the schema lacks: refused before anything is sent.
      const unknown = yield* Effect.flip(
        Replica.make(model, { No_Such_Table: true }).pipe(Effect.provide(yield* connect(server.unix)))
      )
      assert.strictEqual(unknown._tag, "ValueError")
      if (unknown._tag === "ValueError") assert.strictEqual(unknown.constraint, "table")
      const seen = yield* Effect.forkChild(
        first.changes.pipe(
          Stream.filter((event) => event._tag === "Update"),
          Stream.runHead
        )
      )
      yield* nbctl(server, "create", "Address_Set", "name=as0")
      const update = yield* Fiber.join(seen)
      const txnId = update._tag === "Some" ? update.value.lastTxnId : undefined
      assert.isDefined(txnId)
      assert.notStrictEqual(txnId, "00000000-0000-0000-0000-000000000000")
      yield* second.waitFor(txnId!).pipe(Effect.timeout("10 seconds"))
      assert.deepStrictEqual((yield* second.all("Address_Set")).map((row) => row.name), ["as0"])
      assert.strictEqual(yield* second.lastTxnId, txnId)
      // An id no transaction had: still waiting after a while.
      const never = yield* Effect.exit(
        second.waitFor("00000000-0000-0000-0000-00000000abcd").pipe(Effect.timeout("200 millis"))
      )
      assert.isTrue(never._tag === "Failure")
      // A standalone server reports the zero UUID for each transaction, which names none: waiting
      // for it waits for everything committed before the call, here a row no update brought yet.
      const standalone = yield* OvsdbServer.start({ databases: [NB] })
      const third = yield* Replica.make(Nb.database, { Address_Set: true }).pipe(
        Effect.provide(yield* connect(standalone.unix))
      )
      assert.strictEqual(yield* third.lastTxnId, Monitor.ZERO_TXN_ID)
      // A large transaction, whose update takes the replica a while to read after the writer's reply.
      const writer = Context.get(yield* connect(standalone.unix), Ovsdb.Ovsdb)
      for (let round = 1; round <= 3; round++) {
        yield* writer.transact(
          NB,
          ...Array.from({ length: 2_000 }, (_, i) => Op.insert("Address_Set", { name: `standalone${round}-${i}` }))
        )
        yield* third.waitFor(Monitor.ZERO_TXN_ID).pipe(Effect.timeout("10 seconds"))
        assert.strictEqual((yield* third.all("Address_Set")).length, round * 2_000)
      }
    }))
})

describe("Replica transactions", () => {
  it.live("read their own writes; verify turns a concurrent change into TryAgain, and retry converges", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer.start({ databases: [NB] })
      const context = yield* connect(server.unix)
      const replica = yield* Replica.make(Nb.database, { Logical_Switch: { columns: ["name", "external_ids"] } })
        .pipe(Effect.provide(context))

      // The commit returns once the replica has the transaction's own changes.
      const [inserted] = yield* replica.transact(() => [Typed.insert(Nb.Logical_Switch, { name: "sw0" })])
      const mine = yield* replica.get("Logical_Switch", inserted.uuid)
      assert.strictEqual(mine?.name, "sw0")

      // Verified and unchanged: commits.
      yield* replica.transact((view, verify) => {
        const sw = view.where("Logical_Switch", [["name", "==", "sw0"]])[0]!
        verify("Logical_Switch", sw, ["external_ids"])
        return [Typed.update(Nb.Logical_Switch, [["_uuid", "==", sw._uuid]], { external_ids: new Map([["n", "1"]]) })]
      })
      const stale = (yield* replica.where("Logical_Switch", [["name", "==", "sw0"]]))[0]!
      assert.strictEqual(stale.external_ids.get("n"), "1")

      // Changed by someone else since it was read: TryAgain, and nothing written.
      yield* nbctl(server, "set", "Logical_Switch", "sw0", "external_ids:n=2")
      yield* replica.sync
      const again = yield* Effect.flip(replica.transact((_view, verify) => {
        verify("Logical_Switch", stale, ["external_ids"])
        return [
          Typed.update(Nb.Logical_Switch, [["_uuid", "==", stale._uuid]], { external_ids: new Map([["n", "stale"]]) })
        ]
      }))
      assert.strictEqual(again._tag, "TryAgain")
      if (again._tag === "TryAgain") {
        assert.strictEqual(again.reason, "verify")
        assert.isFalse(again.outcomeUnknown)
      }
      assert.strictEqual((yield* replica.get("Logical_Switch", stale._uuid))?.external_ids.get("n"), "2")

      // retry: the first build works from the stale row, the next from what the replica shows.
      let builds = 0
      yield* replica.retry((view, verify) => {
        builds++
        const sw = builds === 1 ? stale : view.where("Logical_Switch", [["name", "==", "sw0"]])[0]!
        verify("Logical_Switch", sw, ["external_ids"])
        const n = Number(sw.external_ids.get("n"))
        return [
          Typed.update(Nb.Logical_Switch, [["_uuid", "==", sw._uuid]], {
            external_ids: new Map([["n", String(n + 1)]])
          })
        ]
      })
      assert.strictEqual(builds, 2)
      assert.strictEqual((yield* replica.get("Logical_Switch", stale._uuid))?.external_ids.get("n"), "3")
      const stdout = yield* nbctl(server, "get", "Logical_Switch", "sw0", "external_ids:n")
      assert.strictEqual(stdout.trim(), "\"3\"")

      // Cut off while the server holds it (a wait that blocks): ovsdb-server answers "canceled" as
      // the session ends, a TryAgain; retry builds it again on the next connection, and it commits.
      const ctl = (...args: ReadonlyArray<string>) => runTool("ovs-appctl", ["--timeout=5", "-t", server.ctl, ...args])
      let attempts = 0
      const blocked = yield* Effect.forkChild(replica.retry((view) => {
        attempts++
        const sw = view.where("Logical_Switch", [["name", "==", "sw0"]])[0]!
        return [
          // The first attempt waits (up to a minute) for a value the switch does not have.
          ...(attempts === 1
            ? [
              Typed.wait(Nb.Logical_Switch, [["_uuid", "==", sw._uuid]], ["name"], "==", [{ name: "never" }], {
                timeout: 60_000
              })
            ]
            : []),
          Typed.insert(Nb.Address_Set, { name: `after-${attempts}` })
        ]
      }))
      yield* eventually("the first attempt sent", Effect.sync(() => attempts === 1))
      yield* ctl("ovsdb-server/remove-remote", `punix:${server.unixPath}`)
      yield* ctl("ovsdb-server/add-remote", `punix:${server.unixPath}`)
      yield* Fiber.join(blocked)
      assert.strictEqual(attempts, 2)
      assert.strictEqual((yield* nbctl(server, "--bare", "--columns=name", "list", "Address_Set")).trim(), "after-2")

      // A failure that retrying cannot fix is not a TryAgain.
      const duplicate = yield* Effect.flip(
        replica.retry(() => [Typed.insert(Nb.Address_Set, { name: "x" }), Typed.insert(Nb.Address_Set, { name: "x" })])
      )
      assert.strictEqual(duplicate._tag, "TransactionError")
    }))
})
