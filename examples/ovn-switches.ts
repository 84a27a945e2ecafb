/**
 * The typed quick start for OVN: checks that the OVN_Northbound model fits the server, creates a
 * logical switch with its ports in one transaction, and lists every switch with its ports.
 *
 *   node dist/examples/ovn-switches.js unix:/var/run/ovn/ovnnb_db.sock
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { Model, Ovsdb, Typed } from "../src/index.js"
import { database, Logical_Switch, Logical_Switch_Port } from "../src/models/OVN_Northbound.js"

// README:begin ovn
/** Creates a switch and its ports atomically; each port is `[name, "MAC IP"]`. */
export const createSwitch = (name: string, ports: ReadonlyArray<readonly [string, string]>) =>
  Effect.gen(function*() {
    const ovsdb = yield* Ovsdb.Ovsdb
    yield* ovsdb.ensureCompatible(database.schema) // SchemaMismatch if the server lacks what we use
    const refs = ports.map(([port]) => Model.named(Logical_Switch_Port, port))
    const [created] = yield* ovsdb.transact(
      database.name,
      Typed.insert(Logical_Switch, { name, ports: refs }),
      ...ports.map(([port, address], i) =>
        Typed.insert(Logical_Switch_Port, { name: port, addresses: [address] }, { uuidName: refs[i] })
      )
    )
    return created.uuid // Model.Ref<"Logical_Switch">
  })

/** Every switch with the names of its ports. */
export const listSwitches = Effect.gen(function*() {
  const ovsdb = yield* Ovsdb.Ovsdb
  const [switches, ports] = yield* ovsdb.transact(
    database.name,
    Typed.select(Logical_Switch, [], ["name", "ports"]),
    Typed.select(Logical_Switch_Port, [], ["_uuid", "name"])
  )
  const portName = new Map(ports.rows.map((port) => [port._uuid.value, port.name]))
  return switches.rows.map((sw) => ({
    name: sw.name,
    ports: sw.ports.map((port) => portName.get(port.value) ?? port.value).sort()
  }))
})
// README:end ovn

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const remote = process.argv[2] ?? "unix:/var/run/ovn/ovnnb_db.sock"
  createSwitch("ls0", [["ls0-web", "00:00:00:00:00:01 10.0.0.1"], ["ls0-db", "00:00:00:00:00:02 10.0.0.2"]]).pipe(
    Effect.andThen(listSwitches),
    Effect.flatMap((switches) => Effect.log(switches)),
    Effect.provide(Ovsdb.layer({ remote })),
    NodeRuntime.runMain
  )
}
