/**
 * A controller on a replica: it keeps a copy of the logical switches and their ports, and makes
 * sure that every switch has a management port named `SWITCH-mgmt`, as each change comes, with
 * optimistic transactions that several copies of the controller can run at once.
 *
 *   node dist/examples/ovn-controller.js unix:/var/run/ovn/ovnnb_db.sock
 */
import { NodeRuntime } from "@effect/platform-node"
import { Context, Effect, Layer, Stream } from "effect"
import { fileURLToPath } from "node:url"
import { Model, Ovsdb, Replica, Typed } from "../src/index.js"
import { database, Logical_Switch, Logical_Switch_Port } from "../src/models/OVN_Northbound.js"

// README:begin replica
/** The replica the controller reads: switches' names and ports, ports' names. */
export const replicate = Replica.make(database, {
  Logical_Switch: { columns: ["name", "ports"] },
  Logical_Switch_Port: { columns: ["name"] } // its schema index on name comes with it
})

/** The replica as a service, for an application built from layers; it needs `Ovsdb.layer`. */
export class NbReplica extends Context.Service<NbReplica, Effect.Success<typeof replicate>>()("example/NbReplica") {
  static readonly layer = Layer.effect(NbReplica, replicate)
}

/** Gives one switch its management port, unless the replica shows it has one. */
const ensureMgmtPort = (replica: NbReplica["Service"], switchName: string) =>
  replica.retry((view, verify) => {
    const sw = view.where("Logical_Switch", [["name", "==", switchName]])[0]
    const port = `${switchName}-mgmt`
    if (sw === undefined || view.find("Logical_Switch_Port", "name", port).length > 0) return []
    // Commits only if the switch's ports are still what this view shows: another controller's
    // port makes it TryAgain, and the next build sees that port.
    verify("Logical_Switch", sw, ["ports"])
    const ref = Model.named(Logical_Switch_Port, "mgmt")
    return [
      Typed.insert(Logical_Switch_Port, { name: port, addresses: ["router"] }, { uuidName: ref }),
      Typed.mutate(Logical_Switch, [["_uuid", "==", sw._uuid]], [["ports", "insert", [ref]]])
    ]
  })

/** Reconciles after the snapshot and after every change, until interrupted. */
export const run = (replica: NbReplica["Service"]) =>
  replica.changes.pipe(
    Stream.runForEach((event) =>
      Effect.forEach(
        event.changes.flatMap((change) =>
          change.table === "Logical_Switch" && change._tag !== "Delete" ? [change.row.name] : []
        ),
        (name) => ensureMgmtPort(replica, name),
        { discard: true }
      )
    )
  )
// README:end replica

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const remote = process.argv[2] ?? "unix:/var/run/ovn/ovnnb_db.sock"
  NbReplica.use(run).pipe(
    Effect.provide(NbReplica.layer.pipe(Layer.provide(Ovsdb.layer({ remote })))),
    NodeRuntime.runMain
  )
}
