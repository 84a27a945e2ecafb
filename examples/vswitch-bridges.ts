/**
 * The typed quick start for Open vSwitch: adds a bridge with an internal port (bridge, port and
 * interface rows, as `ovs-vsctl add-br` and `add-port` write them), then lists bridges and ports.
 *
 *   node dist/examples/vswitch-bridges.js unix:/var/run/openvswitch/db.sock
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { Model, Ovsdb, Typed } from "../src/index.js"
import { Bridge, database, Interface, Open_vSwitch, Port } from "../src/models/Open_vSwitch.js"

// README:begin vswitch
/** Adds `bridge` with one internal port `port` on VLAN `tag`. */
export const addBridge = (bridge: string, port: string, tag: number) =>
  Effect.gen(function*() {
    const ovsdb = yield* Ovsdb.Ovsdb
    const iface = Model.named(Interface, "iface")
    const portRef = Model.named(Port, "port")
    const bridgeRef = Model.named(Bridge, "bridge")
    yield* ovsdb.transact(
      database.name,
      Typed.insert(Interface, { name: port, type: "internal" }, { uuidName: iface }),
      Typed.insert(Port, { name: port, interfaces: [iface], tag }, { uuidName: portRef }),
      Typed.insert(Bridge, { name: bridge, ports: [portRef] }, { uuidName: bridgeRef }),
      Typed.mutate(Open_vSwitch, [], [["bridges", "insert", [bridgeRef]]])
    )
  })

/** Every bridge with the names of its ports. */
export const listBridges = Effect.gen(function*() {
  const ovsdb = yield* Ovsdb.Ovsdb
  const [bridges, ports] = yield* ovsdb.transact(
    database.name,
    Typed.select(Bridge, [], ["name", "ports"]),
    Typed.select(Port, [], ["_uuid", "name"])
  )
  const portName = new Map(ports.rows.map((port) => [port._uuid.value, port.name]))
  return bridges.rows.map((br) => ({ name: br.name, ports: br.ports.map((p) => portName.get(p.value)).sort() }))
})
// README:end vswitch

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const remote = process.argv[2] ?? "unix:/var/run/openvswitch/db.sock"
  addBridge("br-example", "vif-example", 100).pipe(
    Effect.andThen(listBridges),
    Effect.flatMap((bridges) => Effect.log(bridges)),
    Effect.provide(Ovsdb.layer({ remote })),
    NodeRuntime.runMain
  )
}
