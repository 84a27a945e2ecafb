// The Ovsdb API against a real ovsdb-server: every transact operation, every error kind the server
// returns, 64-bit integers, cancel, and cross-checks with ovs-vsctl.
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import * as Fs from "node:fs"
import * as Ovsdb from "../src/Ovsdb.js"
import * as Op from "../src/protocol/Operation.js"
import * as Value from "../src/protocol/Value.js"
import { OvsdbServer, runTool } from "./support/OvsdbServer.js"

const NB = "OVN_Northbound"
const VS = "Open_vSwitch"

const ServerLayer = Layer.effect(OvsdbServer, OvsdbServer.start())
const ClientLayer = Layer.unwrap(
  OvsdbServer.use((server) => Effect.succeed(Ovsdb.layerConnection({ remote: server.unix })))
)
const TestLayer = Layer.provideMerge(ClientLayer, ServerLayer)

const failure = <A, E>(effect: Effect.Effect<A, E>) => Effect.flip(effect)

/** Inserts switch `NAME-ls` holding port `NAME-lsp` (a port no switch holds is garbage-collected). */
const switchWithPort = (name: string, port: Value.Row) =>
  Ovsdb.Ovsdb.use((ovsdb) =>
    ovsdb.transact(
      NB,
      Op.insert("Logical_Switch", { name: `${name}-ls`, ports: [Value.namedUuid("p")] }),
      Op.insert("Logical_Switch_Port", { name: `${name}-lsp`, ...port }, { uuidName: "p" })
    )
  )

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("Ovsdb against ovsdb-server", (it) => {
  describe("methods", () => {
    it.effect("list_dbs lists the databases", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const dbs = yield* ovsdb.listDbs
        assert.includeMembers([...dbs], [NB, VS, "_Server"])
      }))

    it.effect("get_schema decodes every database's schema, _Server's included", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const nb = yield* ovsdb.getSchema(NB)
        assert.strictEqual(nb.name, NB)
        assert.deepStrictEqual(nb.tables.Logical_Switch_Port!.columns.tag_request!.type, {
          key: { type: "integer", minInteger: 0, maxInteger: 4095 },
          min: 0,
          max: 1
        })
        const server = yield* ovsdb.getSchema("_Server")
        assert.deepStrictEqual(server.tables.Database!.columns.model!.type.key.enum, [
          "clustered",
          "relay",
          "standalone"
        ])
        assert.isTrue(server.tables.Database!.isRoot)
        const vswitch = yield* ovsdb.getSchema(VS)
        assert.strictEqual(vswitch.tables.Open_vSwitch!.maxRows, 1)
      }))

    it.effect("echo returns its params", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        assert.deepStrictEqual(yield* ovsdb.echo("héllo ☃ \"q\" \\", 1, [true]), ["héllo ☃ \"q\" \\", 1, [true]])
      }))

    it.effect("an unknown database is an RpcError naming it", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const error = yield* failure(ovsdb.getSchema("Nope"))
        assert.strictEqual(error._tag, "RpcError")
        if (error._tag === "RpcError") assert.strictEqual(error.error, "unknown database")
        const viaTransact = yield* failure(ovsdb.transact("Nope", Op.comment("x")))
        assert.strictEqual(viaTransact._tag, "RpcError")
        if (viaTransact._tag === "RpcError") assert.include(viaTransact.details ?? "", "Nope")
      }))
  })

  describe("the ten operations", () => {
    it.effect("insert with uuid-name, a named-uuid reference, mutate and comment; then select", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const [ls, lsp, mutated, commented] = yield* ovsdb.transact(
          NB,
          Op.insert("Logical_Switch", { name: "ops-ls", external_ids: new Map([["k", "v"]]) }, { uuidName: "ls" }),
          Op.insert("Logical_Switch_Port", {
            name: "ops-lsp",
            tag_request: 5,
            addresses: ["00:00:00:00:00:01 10.0.0.1"]
          }, {
            uuidName: "p"
          }),
          Op.mutate("Logical_Switch", [Op.where("_uuid", "==", Value.namedUuid("ls"))], [
            Op.mutation("ports", "insert", [Value.namedUuid("p")])
          ]),
          Op.comment("inserted by effect-ovsdb tests")
        )
        assert.isTrue(Value.isUuidText(ls.uuid.value))
        assert.strictEqual(mutated.count, 1)
        assert.deepStrictEqual(commented, {})
        const [{ rows }] = yield* ovsdb.transact(
          NB,
          Op.select("Logical_Switch", [Op.where("name", "==", "ops-ls")], ["name", "ports", "external_ids", "_uuid"])
        )
        assert.strictEqual(rows.length, 1)
        assert.strictEqual(rows[0]!.name, "ops-ls")
        assert.deepStrictEqual(rows[0]!.ports, lsp.uuid) // a one-element set comes back as its atom
        assert.deepStrictEqual(rows[0]!.external_ids, new Map([["k", "v"]]))
        assert.deepStrictEqual(rows[0]!._uuid, ls.uuid)
      }))

    it.effect("insert with a fixed uuid (Open vSwitch extension)", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const fixed = Value.uuid("5b3a9f3e-3c1f-4a57-9bb0-2d5b0d7a0c11")
        const [inserted] = yield* ovsdb.transact(NB, Op.insert("Address_Set", { name: "fixed" }, { uuid: fixed }))
        assert.deepStrictEqual(inserted.uuid, fixed)
        const [{ rows }] = yield* ovsdb.transact(
          NB,
          Op.select("Address_Set", [Op.where("_uuid", "==", fixed)], ["name"])
        )
        assert.deepStrictEqual(rows, [{ name: "fixed" }])
        const again = yield* failure(ovsdb.transact(NB, Op.insert("Address_Set", { name: "fixed2" }, { uuid: fixed })))
        assert.strictEqual(again._tag, "TransactionError")
        if (again._tag === "TransactionError") assert.strictEqual(again.error, "duplicate uuid")
      }))

    it.effect("update, mutate (numbers and maps) and delete count the rows they touch", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* switchWithPort("upd", { tag_request: 1 })
        const byName = [Op.where("name", "==", "upd-ls")]
        const [updated] = yield* ovsdb.transact(
          NB,
          Op.update("Logical_Switch", byName, { other_config: new Map([["a", "1"], ["b", "2"]]) })
        )
        assert.strictEqual(updated.count, 1)
        const [added, mapped] = yield* ovsdb.transact(
          NB,
          Op.mutate("Logical_Switch_Port", [Op.where("name", "==", "upd-lsp")], [Op.mutation("tag_request", "+=", 10)]),
          Op.mutate("Logical_Switch", byName, [
            Op.mutation("other_config", "delete", ["a"]),
            Op.mutation("other_config", "insert", new Map([["c", "3"]]))
          ])
        )
        assert.strictEqual(added.count, 1)
        assert.strictEqual(mapped.count, 1)
        const [lsp, ls] = yield* ovsdb.transact(
          NB,
          Op.select("Logical_Switch_Port", [Op.where("name", "==", "upd-lsp")], ["tag_request"]),
          Op.select("Logical_Switch", byName, ["other_config"])
        )
        assert.strictEqual(lsp.rows[0]!.tag_request, 11)
        assert.deepStrictEqual(ls.rows[0]!.other_config, new Map([["b", "2"], ["c", "3"]]))
        const [deleted] = yield* ovsdb.transact(NB, Op.delete("Logical_Switch", byName))
        assert.strictEqual(deleted.count, 1)
        const [gone] = yield* ovsdb.transact(NB, Op.select("Logical_Switch_Port", [Op.where("name", "==", "upd-lsp")]))
        assert.deepStrictEqual(gone.rows, []) // the unreferenced port was garbage-collected
      }))

    it.effect("wait: satisfied at once, or failing with \"timed out\"", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* ovsdb.transact(NB, Op.insert("Address_Set", { name: "waited" }))
        const byName = [Op.where("name", "==", "waited")]
        const [ok] = yield* ovsdb.transact(
          NB,
          Op.wait("Address_Set", byName, ["name"], "==", [{ name: "waited" }], { timeout: 0 })
        )
        assert.deepStrictEqual(ok, {})
        const error = yield* failure(ovsdb.transact(
          NB,
          Op.wait("Address_Set", byName, ["name"], "!=", [{ name: "waited" }], { timeout: 0 })
        ))
        assert.strictEqual(error._tag, "TransactionError")
        if (error._tag === "TransactionError") {
          assert.strictEqual(error.error, "timed out")
          assert.strictEqual(error.index, 0)
          assert.strictEqual(error.op, "wait")
        }
      }))

    it.effect("a blocking wait completes when another client makes the condition true", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const server = yield* OvsdbServer
        const waiting = yield* Effect.forkChild(ovsdb.transact(
          NB,
          Op.wait("Address_Set", [Op.where("name", "==", "awaited")], ["name"], "==", [{ name: "awaited" }], {
            timeout: 30_000
          })
        ))
        yield* Effect.sleep("200 millis")
        yield* runTool("ovn-nbctl", [`--db=${server.unix}`, "create", "Address_Set", "name=awaited"])
        const [result] = yield* Fiber.join(waiting)
        assert.deepStrictEqual(result, {})
      }))

    it.effect("commit, durable or not", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        assert.deepStrictEqual(yield* ovsdb.transact(NB, Op.commit(false)), [{}])
        assert.deepStrictEqual(yield* ovsdb.transact(NB, Op.commit(true)), [{}])
      }))

    it.effect("abort fails the transaction with \"aborted\" and commits nothing", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const error = yield* failure(ovsdb.transact(NB, Op.insert("Address_Set", { name: "never" }), Op.abort()))
        assert.strictEqual(error._tag, "TransactionError")
        if (error._tag === "TransactionError") {
          assert.strictEqual(error.error, "aborted")
          assert.strictEqual(error.index, 1)
        }
        const [{ rows }] = yield* ovsdb.transact(NB, Op.select("Address_Set", [Op.where("name", "==", "never")]))
        assert.deepStrictEqual(rows, [])
      }))

    it.effect("assert of a lock not held fails with \"not owner\"", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const error = yield* failure(ovsdb.transact(NB, Op.assert("mylock")))
        assert.strictEqual(error._tag, "TransactionError")
        if (error._tag === "TransactionError") assert.strictEqual(error.error, "not owner")
      }))
  })

  describe("errors the server returns", () => {
    const expectTransactionError = (
      effect: Effect.Effect<unknown, { readonly _tag: string }, Ovsdb.Ovsdb>,
      expected: { readonly error: string; readonly index: number | undefined; readonly details?: string }
    ) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(effect)
        assert.strictEqual(error._tag, "TransactionError")
        const tx = error as unknown as { error: string; index?: number; details?: string }
        assert.strictEqual(tx.error, expected.error)
        assert.strictEqual(tx.index, expected.index)
        if (expected.details !== undefined) assert.include(tx.details ?? "", expected.details)
      })

    it.effect("constraint violation: an integer out of the column's range", () =>
      expectTransactionError(
        Ovsdb.Ovsdb.use((ovsdb) =>
          ovsdb.transact(
            NB,
            Op.insert("Logical_Switch", { name: "range" }),
            Op.insert("Logical_Switch_Port", { name: "range-lsp", tag_request: 5000 })
          )
        ),
        { error: "constraint violation", index: 1, details: "not in the valid range 0 to 4095" }
      ))

    it.effect("constraint violation: a value outside an enum", () =>
      expectTransactionError(
        Ovsdb.Ovsdb.use((ovsdb) =>
          ovsdb.transact(NB, Op.insert("ACL", { action: "explode", direction: "to-lport", match: "1", priority: 1 }))
        ),
        { error: "constraint violation", index: 0, details: "explode is not one of the allowed values" }
      ))

    it.effect("constraint violation at commit: a duplicate in a unique index, and too many rows", () =>
      Effect.gen(function*() {
        yield* expectTransactionError(
          Ovsdb.Ovsdb.use((ovsdb) =>
            ovsdb.transact(NB, Op.insert("Address_Set", { name: "dup" }), Op.insert("Address_Set", { name: "dup" }))
          ),
          { error: "constraint violation", index: undefined, details: "identical values (dup)" }
        )
        yield* expectTransactionError(
          Ovsdb.Ovsdb.use((ovsdb) => ovsdb.transact(NB, Op.insert("NB_Global", {}), Op.insert("NB_Global", {}))),
          { error: "constraint violation", index: undefined, details: "schema-defined limit of 1 row(s)" }
        )
      }))

    it.effect("referential integrity violation at commit: a reference to a missing row", () =>
      expectTransactionError(
        Ovsdb.Ovsdb.use((ovsdb) =>
          ovsdb.transact(
            NB,
            Op.insert("Logical_Switch", {
              name: "dangling",
              ports: [Value.uuid("00000000-0000-0000-0000-000000000001")]
            })
          )
        ),
        { error: "referential integrity violation", index: undefined, details: "references nonexistent row" }
      ))

    it.effect("referential integrity violation: deleting a row that is still referenced", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* switchWithPort("ref", {})
        yield* expectTransactionError(
          ovsdb.transact(NB, Op.delete("Logical_Switch_Port", [Op.where("name", "==", "ref-lsp")])),
          { error: "referential integrity violation", index: undefined, details: "remaining reference" }
        )
      }))

    it.effect("duplicate uuid-name", () =>
      expectTransactionError(
        Ovsdb.Ovsdb.use((ovsdb) =>
          ovsdb.transact(
            NB,
            Op.insert("Address_Set", { name: "n1" }, { uuidName: "same" }),
            Op.insert("Address_Set", { name: "n2" }, { uuidName: "same" })
          )
        ),
        { error: "duplicate uuid-name", index: 1 }
      ))

    it.effect("domain error: division by zero in a mutation", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* switchWithPort("div", { tag_request: 4 })
        yield* expectTransactionError(
          ovsdb.transact(
            NB,
            Op.mutate("Logical_Switch_Port", [Op.where("name", "==", "div-lsp")], [Op.mutation("tag_request", "/=", 0)])
          ),
          { error: "domain error", index: 0 }
        )
      }))

    it.effect("range error: a mutation that overflows 64 bits", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* ovsdb.transact(NB, Op.update("NB_Global", [], { nb_cfg: 9223372036854775807n }))
        yield* expectTransactionError(
          ovsdb.transact(NB, Op.mutate("NB_Global", [], [Op.mutation("nb_cfg", "+=", 1)])),
          { error: "range error", index: 0 }
        )
        yield* ovsdb.transact(NB, Op.update("NB_Global", [], { nb_cfg: 0 }))
      }))
  })

  describe("values", () => {
    it.effect("64-bit integers round-trip exactly, up to ±(2^63 - 1)", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        for (const value of [9007199254740993n, 9223372036854775807n, -9223372036854775808n, 42]) {
          yield* ovsdb.transact(NB, Op.update("NB_Global", [], { nb_cfg: value }))
          const [{ rows }] = yield* ovsdb.transact(NB, Op.select("NB_Global", [], ["nb_cfg"]))
          assert.strictEqual(rows[0]!.nb_cfg, value)
        }
        yield* ovsdb.transact(NB, Op.update("NB_Global", [], { nb_cfg: 0 }))
      }))
  })

  describe("cancel (RFC 7047 §4.1.4)", () => {
    it.effect("interrupting a blocked wait cancels it; the connection stays usable", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const server = yield* OvsdbServer
        // The server's JSON-RPC debug log shows what reached it.
        yield* runTool("ovs-appctl", ["-t", server.ctl, "vlog/set", "jsonrpc:file:dbg"])
        const blocked = yield* Effect.forkChild(ovsdb.transact(
          NB,
          Op.wait("Address_Set", [Op.where("name", "==", "cancel-me")], ["name"], "==", [{ name: "cancel-me" }], {
            timeout: 60_000
          })
        ))
        yield* Effect.sleep("200 millis")
        yield* Fiber.interrupt(blocked)
        assert.deepStrictEqual(yield* ovsdb.echo("still here"), ["still here"])
        const log = Fs.readFileSync(server.log, "utf8")
        const request = /received request, method="transact", params=\[.*"cancel-me".*\], id=(\d+)/.exec(log)
        assert.isNotNull(request, "the wait reached the server")
        assert.include(log, `received notification, method="cancel", params=[${request![1]}]`)
        yield* runTool("ovs-appctl", ["-t", server.ctl, "vlog/set", "jsonrpc:file:info"])
      }))

    it.effect("on a db-change-aware session the server answers the cancelled call, which is ignored", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* ovsdb.rpc.call("set_db_change_aware", [true])
        const blocked = yield* Effect.forkChild(ovsdb.transact(
          NB,
          Op.wait("Address_Set", [Op.where("name", "==", "never-there")], ["name"], "==", [{ name: "never-there" }], {
            timeout: 60_000
          })
        ))
        yield* Effect.sleep("200 millis")
        yield* Fiber.interrupt(blocked)
        yield* Effect.sleep("100 millis") // the server's {"error":"canceled"} arrives now
        assert.deepStrictEqual(yield* ovsdb.echo("after"), ["after"])
      }))

    it.effect("a call timeout cancels the request on the server", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const error = yield* Effect.flip(ovsdb.rpc.call("transact", [
          NB,
          Op.wait("Address_Set", [Op.where("name", "==", "nope")], ["name"], "==", [{ name: "nope" }], {
            timeout: 60_000
          }).json
        ], { timeout: "300 millis" }))
        assert.strictEqual(error._tag, "RpcTimeout")
        assert.deepStrictEqual(yield* ovsdb.echo(1), [1])
      }))
  })

  describe("cross-checks with ovs-vsctl", () => {
    it.effect("a bridge inserted by our transact appears in ovs-vsctl list-br", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const server = yield* OvsdbServer
        yield* runTool("ovs-vsctl", [`--db=${server.unix}`, "--no-wait", "init"])
        yield* ovsdb.transact(
          VS,
          Op.insert("Interface", { name: "br-ours" }, { uuidName: "i" }),
          Op.insert("Port", { name: "br-ours", interfaces: [Value.namedUuid("i")] }, { uuidName: "p" }),
          Op.insert("Bridge", { name: "br-ours", ports: [Value.namedUuid("p")] }, { uuidName: "b" }),
          Op.mutate(VS, [], [Op.mutation("bridges", "insert", [Value.namedUuid("b")])])
        )
        const listed = yield* runTool("ovs-vsctl", [`--db=${server.unix}`, "list-br"])
        assert.include(listed.split("\n"), "br-ours")
      }))

    it.effect("a bridge added by ovs-vsctl --no-wait is returned by our select", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const server = yield* OvsdbServer
        yield* runTool("ovs-vsctl", [`--db=${server.unix}`, "--no-wait", "add-br", "br-theirs"])
        const [{ rows }] = yield* ovsdb.transact(
          VS,
          Op.select("Bridge", [Op.where("name", "==", "br-theirs")], ["name"])
        )
        assert.deepStrictEqual(rows, [{ name: "br-theirs" }])
      }))
  })
})
