// The typed quick starts of the README, run against a real ovsdb-server and cross-checked with
// ovn-nbctl and ovs-vsctl; the README shows exactly their code.
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as ControllerExample from "../examples/ovn-controller.js"
import * as OvnExample from "../examples/ovn-switches.js"
import * as VswitchExample from "../examples/vswitch-bridges.js"
import * as Ovsdb from "../src/Ovsdb.js"
import { eventually } from "./support/eventually.js"
import { OvsdbServer, runTool } from "./support/OvsdbServer.js"

const TestLayer = Layer.provideMerge(
  Layer.unwrap(OvsdbServer.use((server) => Effect.succeed(Ovsdb.layer({ remote: server.unix })))),
  OvsdbServer.layer({ databases: ["OVN_Northbound", "Open_vSwitch"] })
)

const root = Path.resolve(import.meta.dirname, "..")

/** The code of an example between its `README:begin NAME` and `README:end NAME` lines. */
const snippet = (file: string, name: string) => {
  const text = Fs.readFileSync(Path.join(root, "examples", file), "utf8")
  const [, code] = new RegExp(`// README:begin ${name}\\n([\\s\\S]*?)// README:end ${name}`).exec(text) ?? []
  assert.isDefined(code, `${file} has no README:begin ${name}`)
  return code!
}

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("the README's typed quick starts", (it) => {
  it.effect("OVN: creates a switch with ports, lists it, and ovn-nbctl agrees", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer
      const uuid = yield* OvnExample.createSwitch("ls0", [["web", "00:00:00:00:00:01 10.0.0.1"], [
        "db",
        "00:00:00:00:00:02 10.0.0.2"
      ]])
      yield* OvnExample.createSwitch("ls1", [])
      assert.deepStrictEqual(
        [...(yield* OvnExample.listSwitches)].sort((a, b) => a.name.localeCompare(b.name)),
        [{ name: "ls0", ports: ["db", "web"] }, { name: "ls1", ports: [] }]
      )
      const nbctl = (...args: ReadonlyArray<string>) => runTool("ovn-nbctl", [`--db=${server.unix}`, ...args])
      assert.include(yield* nbctl("ls-list"), `${uuid.value} (ls0)`)
      assert.strictEqual((yield* nbctl("lsp-get-addresses", "web")).trim(), "00:00:00:00:00:01 10.0.0.1")
    }))

  it.effect("Open vSwitch: adds a bridge with a port and an interface, and ovs-vsctl agrees", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer
      const vsctl = (...args: ReadonlyArray<string>) =>
        runTool("ovs-vsctl", [`--db=${server.unix}`, "--no-wait", ...args])
      yield* vsctl("init")
      yield* VswitchExample.addBridge("br0", "vif0", 10)
      assert.deepStrictEqual(yield* VswitchExample.listBridges, [{ name: "br0", ports: ["vif0"] }])
      assert.strictEqual((yield* vsctl("port-to-br", "vif0")).trim(), "br0")
      assert.strictEqual((yield* vsctl("get", "Port", "vif0", "tag")).trim(), "10")
      assert.strictEqual((yield* vsctl("get", "Interface", "vif0", "type")).trim(), "internal")
    }))

  it.effect("the replica controller: two copies at once give each switch exactly one management port", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer
      const nbctl = (...args: ReadonlyArray<string>) => runTool("ovn-nbctl", [`--db=${server.unix}`, ...args])
      yield* nbctl("ls-add", "sw0")
      // Two controllers, each on a session and a replica of its own, racing for the same switches.
      for (let copy = 0; copy < 2; copy++) {
        yield* ControllerExample.NbReplica.use(ControllerExample.run).pipe(
          Effect.provide(ControllerExample.NbReplica.layer.pipe(Layer.provide(Ovsdb.layer({ remote: server.unix })))),
          Effect.forkScoped
        )
      }
      yield* nbctl("ls-add", "sw1", "--", "ls-add", "sw2")
      const names = (table: string) =>
        Effect.map(nbctl("--bare", "--columns=name", "list", table), (out) => out.split("\n").filter((n) => n !== ""))
      // Every switch of the database (the tests before made some too), each with exactly one.
      const switches = yield* names("Logical_Switch")
      assert.includeMembers(switches, ["sw0", "sw1", "sw2"])
      const mgmt = Effect.map(names("Logical_Switch_Port"), (ports) => ports.filter((n) => n.endsWith("-mgmt")).sort())
      yield* eventually(
        "every switch has its management port",
        Effect.map(mgmt, (ports) => ports.length >= switches.length)
      )
      assert.deepStrictEqual(yield* mgmt, switches.map((sw) => `${sw}-mgmt`).sort())
      for (const sw of ["sw0", "sw1", "sw2"]) {
        assert.deepStrictEqual((yield* nbctl("lsp-list", sw)).trim().split(" ").slice(1), [`(${sw}-mgmt)`])
      }
    }).pipe(Effect.scoped))

  describe("README", () => {
    it("shows the examples' code as it is", () => {
      const readme = Fs.readFileSync(Path.join(root, "README.md"), "utf8")
      assert.include(readme, snippet("ovn-switches.ts", "ovn"))
      assert.include(readme, snippet("vswitch-bridges.ts", "vswitch"))
      assert.include(readme, snippet("ovn-controller.ts", "replica"))
    })
  })
})
