// Typed operations on the real server, over the shipped models: OVN Northbound and Open_vSwitch
// rows written and read with their types, cross-checked with ovn-nbctl and ovs-vsctl; a refused
// value sends nothing; the shipped models fit the installed server.
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import * as Model from "../src/Model.js"
import * as Server from "../src/models/_Server.js"
import * as Vswitch from "../src/models/Open_vSwitch.js"
import * as Nb from "../src/models/OVN_Northbound.js"
import * as Sb from "../src/models/OVN_Southbound.js"
import * as Ovsdb from "../src/Ovsdb.js"
import * as Typed from "../src/Typed.js"
import { OvsdbServer, runTool } from "./support/OvsdbServer.js"

const TestLayer = Layer.provideMerge(
  Layer.unwrap(OvsdbServer.use((server) => Effect.succeed(Ovsdb.layer({ remote: server.unix })))),
  OvsdbServer.layer({ databases: ["OVN_Northbound", "Open_vSwitch", "OVN_Southbound"] })
)

const nbctl = (...args: ReadonlyArray<string>) =>
  OvsdbServer.use((server) => runTool("ovn-nbctl", [`--db=${server.unix}`, ...args]))

const vsctl = (...args: ReadonlyArray<string>) =>
  OvsdbServer.use((server) => runTool("ovs-vsctl", [`--db=${server.unix}`, "--no-wait", ...args]))

const lines = (text: string) => text.split("\n").filter((line) => line !== "")

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("typed operations on ovsdb-server", (it) => {
  describe("OVN Northbound", () => {
    it.effect("creates a logical switch with ports in one transaction, seen by ovn-nbctl", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const web = Model.named(Nb.Logical_Switch_Port, "web")
        const db = Model.named(Nb.Logical_Switch_Port, "db")
        const [, , sw] = yield* ovsdb.transact(
          Nb.database.name,
          Typed.insert(Nb.Logical_Switch_Port, { name: "web0", addresses: ["00:00:00:00:00:01 10.0.0.1"] }, {
            uuidName: web
          }),
          Typed.insert(Nb.Logical_Switch_Port, { name: "db0", addresses: ["dynamic"], tag_request: 42 }, {
            uuidName: db
          }),
          Typed.insert(Nb.Logical_Switch, { name: "ls0", ports: [web, db], external_ids: new Map([["owner", "me"]]) })
        )
        assert.deepStrictEqual(lines(yield* nbctl("lsp-list", "ls0")).map((line) => line.split(" ")[1]), [
          "(db0)",
          "(web0)"
        ])
        assert.strictEqual((yield* nbctl("get", "Logical_Switch", sw.uuid.value, "name")).trim(), "ls0")
        assert.strictEqual((yield* nbctl("get", "Logical_Switch_Port", "db0", "tag_request")).trim(), "42")

        // Read back with just the columns asked for, typed.
        const [{ rows }] = yield* ovsdb.transact(
          Nb.database.name,
          Typed.select(Nb.Logical_Switch, [["_uuid", "==", sw.uuid]], ["name", "ports", "external_ids"])
        )
        assert.strictEqual(rows.length, 1)
        assert.strictEqual(rows[0]!.name, "ls0")
        assert.strictEqual(rows[0]!.ports.length, 2)
        assert.strictEqual(rows[0]!.external_ids.get("owner"), "me")
        const [{ rows: ports }] = yield* ovsdb.transact(
          Nb.database.name,
          Typed.select(Nb.Logical_Switch_Port, [["tag_request", ">=", 40]])
        )
        assert.deepStrictEqual(ports.map((port) => [port.name, port.tag_request, port.addresses]), [[
          "db0",
          42,
          ["dynamic"]
        ]])
      }))

    it.effect("updates, mutates and deletes through typed conditions", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* nbctl("ls-add", "ls1", "--", "lsp-add", "ls1", "p1", "--", "lsp-add", "ls1", "p2")
        const [{ rows: [p1] }] = yield* ovsdb.transact(
          Nb.database.name,
          Typed.select(Nb.Logical_Switch_Port, [["name", "==", "p1"]], ["_uuid"])
        )
        const [updated, mutated] = yield* ovsdb.transact(
          Nb.database.name,
          Typed.update(Nb.Logical_Switch_Port, [["name", "==", "p2"]], { enabled: false, tag_request: 7 }),
          Typed.mutate(Nb.Logical_Switch, [["name", "==", "ls1"]], [
            ["ports", "delete", [p1!._uuid]],
            ["external_ids", "insert", new Map([["team", "blue"]])]
          ])
        )
        assert.deepStrictEqual([updated.count, mutated.count], [1, 1])
        assert.strictEqual((yield* nbctl("get", "Logical_Switch_Port", "p2", "enabled")).trim(), "false")
        assert.deepStrictEqual(lines(yield* nbctl("lsp-list", "ls1")).map((line) => line.split(" ")[1]), ["(p2)"])
        assert.strictEqual((yield* nbctl("get", "Logical_Switch", "ls1", "external_ids:team")).trim(), "blue")

        const [deleted] = yield* ovsdb.transact(
          Nb.database.name,
          Typed.delete(Nb.Logical_Switch, [["name", "==", "ls1"]])
        )
        assert.strictEqual(deleted.count, 1)
        assert.notInclude(yield* nbctl("ls-list"), "ls1")
      }))

    it.effect("a value out of its column's range fails with a ValueError, and nothing is written", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const error = yield* Effect.flip(ovsdb.transact(
          Nb.database.name,
          Typed.insert(Nb.Logical_Switch, { name: "never" }),
          Typed.insert(Nb.ACL, { action: "drop", direction: "to-lport", match: "1", priority: 32768 })
        ))
        assert.strictEqual(error._tag, "ValueError")
        if (error._tag === "ValueError") {
          assert.deepInclude(error, { table: "ACL", column: "priority", constraint: "maxInteger", value: "32768" })
        }
        assert.notInclude(yield* nbctl("ls-list"), "never")
      }))

    it.effect("a model of the schema fetched at run time checks values the same way", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const nb = Model.fromSchema(yield* ovsdb.getSchema("OVN_Northbound"))
        yield* ovsdb.transact(nb.name, Typed.insert(nb.table("Address_Set"), { name: "as0", addresses: ["10.0.0.1"] }))
        assert.strictEqual((yield* nbctl("get", "Address_Set", "as0", "addresses")).trim(), "[\"10.0.0.1\"]")
        const refusals = yield* Effect.forEach([
          Typed.insert(nb.table("Address_Set"), { nmae: "as1" }),
          Typed.insert(nb.table("Adress_Set"), { name: "as1" }),
          Typed.insert(nb.table("Address_Set"), { name: 1 })
        ], (operation) => Effect.flip(ovsdb.transact(nb.name, operation)))
        assert.deepStrictEqual(
          refusals.map((error) =>
            error._tag === "ValueError" ? `${error.table}.${error.column} ${error.constraint}` : error._tag
          ),
          ["Address_Set.nmae column", "Adress_Set. table", "Address_Set.name type"]
        )
        assert.notInclude(yield* nbctl("list", "Address_Set"), "as1")
      }))

    it.effect("a model older than the server (a column fewer) still selects whole rows", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* nbctl("ls-add", "ls-old", "--", "set", "Logical_Switch", "ls-old", "other_config:k=v")
        const { other_config: _dropped, ...columns } = Nb.Logical_Switch.schema!.columns
        const older = Model.table<"Logical_Switch", Omit<Nb.Logical_Switch, "other_config">, never>({
          ...Nb.database.schema,
          tables: { Logical_Switch: { ...Nb.Logical_Switch.schema!, columns } }
        }, "Logical_Switch")
        yield* ovsdb.ensureCompatible({ ...Nb.database.schema, tables: { Logical_Switch: older.schema! } })
        const [{ rows }] = yield* ovsdb.transact(Nb.database.name, Typed.select(older, [["name", "==", "ls-old"]]))
        assert.strictEqual(rows.length, 1)
        assert.strictEqual(rows[0]!.name, "ls-old")
        assert.notProperty(rows[0], "other_config")
      }))

    it.effect("a table's Row Schema decodes the rows ovsdb-client dumps", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* nbctl("ls-add", "ls2", "--", "set", "Logical_Switch", "ls2", "other_config:mcast_snoop=true")
        const reply = yield* ovsdb.transactJson(Nb.database.name, [{
          op: "select",
          table: "Logical_Switch",
          where: [["name", "==", "ls2"]]
        }])
        const [{ rows }] = reply as unknown as [{ rows: ReadonlyArray<Model.JsonRow> }]
        const row = yield* Schema.decodeUnknownEffect(Nb.Logical_Switch.Row)(rows[0])
        assert.strictEqual(row.name, "ls2")
        assert.deepStrictEqual([...row.other_config], [["mcast_snoop", "true"]])
        assert.deepStrictEqual(row.ports, [])
        assert.isUndefined(row.copp)
      }))
  })

  describe("Open_vSwitch", () => {
    it.effect("adds a bridge with a port and an interface, seen by ovs-vsctl", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* vsctl("init")
        const iface = Model.named(Vswitch.Interface, "iface")
        const port = Model.named(Vswitch.Port, "port")
        const bridge = Model.named(Vswitch.Bridge, "bridge")
        yield* ovsdb.transact(
          Vswitch.database.name,
          Typed.insert(Vswitch.Interface, { name: "vif0", type: "internal", mtu_request: 1400 }, { uuidName: iface }),
          Typed.insert(Vswitch.Port, { name: "vif0", interfaces: [iface], tag: 100 }, { uuidName: port }),
          Typed.insert(Vswitch.Bridge, { name: "br-typed", ports: [port], fail_mode: "secure" }, { uuidName: bridge }),
          Typed.mutate(Vswitch.Open_vSwitch, [], [["bridges", "insert", [bridge]]])
        )
        assert.include(lines(yield* vsctl("list-br")), "br-typed")
        assert.deepStrictEqual(lines(yield* vsctl("list-ports", "br-typed")), ["vif0"])
        assert.strictEqual((yield* vsctl("get", "Port", "vif0", "tag")).trim(), "100")
        assert.strictEqual((yield* vsctl("get", "Interface", "vif0", "type")).trim(), "internal")
        assert.strictEqual((yield* vsctl("get-fail-mode", "br-typed")).trim(), "secure")

        const [{ rows }] = yield* ovsdb.transact(
          Vswitch.database.name,
          Typed.select(Vswitch.Interface, [["name", "==", "vif0"]], ["mtu_request", "type"])
        )
        assert.deepStrictEqual(rows, [{ mtu_request: 1400, type: "internal" }])
      }))

    it.effect("a bridge's name is set on insert only: updating it fails before sending", () =>
      Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        const error = yield* Effect.flip(ovsdb.transact(
          Vswitch.database.name,
          Typed.update(Vswitch.Bridge, [], { name: "renamed" } as never)
        ))
        assert.strictEqual(error._tag, "ValueError")
        if (error._tag === "ValueError") assert.strictEqual(error.constraint, "immutable")
      }))
  })

  it.effect("the shipped models fit the installed server, and name its schemas' versions", () =>
    Effect.gen(function*() {
      const ovsdb = yield* Ovsdb.Ovsdb
      for (const model of [Nb.database, Sb.database, Vswitch.database, Server.database]) {
        yield* ovsdb.ensureCompatible(model.schema)
        const served = yield* ovsdb.getSchema(model.name)
        assert.deepStrictEqual([model.version, model.cksum], [served.version, served.cksum], model.name)
      }
    }))
})
