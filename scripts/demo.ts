/**
 * The demo: connect, list the databases, read a schema, run a few transactions watched by a
 * monitor, handle a typed error, and see the generated model catch a bad value before sending,
 * against a throwaway ovsdb-server that the demo starts and stops itself.
 *
 *   npm run demo                                      # a local server in a temp dir
 *   npm run demo -- --remote unix:/var/run/openvswitch/db.sock   # your server: reads only
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { Operation as Op, Ovsdb, Typed, Value } from "../src/index.js"
import { Logical_Switch_Port } from "../src/models/OVN_Northbound.js"
import { OvsdbServer } from "../test/support/OvsdbServer.js"

const NB = "OVN_Northbound"

/** What every server allows: list, read the schema, count rows. */
const readOnly = Effect.gen(function*() {
  const ovsdb = yield* Ovsdb.Ovsdb
  const dbs = yield* ovsdb.listDbs
  yield* Console.log(`databases: ${dbs.join(", ")}`)
  for (const db of dbs) {
    const schema = yield* ovsdb.getSchema(db)
    const tables = Object.values(schema.tables)
    const roots = tables.filter((table) => table.isRoot).map((table) => table.name)
    yield* Console.log(`${db} ${schema.version}: ${tables.length} tables, root tables: ${roots.join(", ")}`)
  }
  yield* Console.log(`echo: ${JSON.stringify(yield* ovsdb.echo("ping"))}`)
  return dbs
})

/** Writes to OVN_Northbound on the demo's own server, watched by a monitor. */
const transactions = Effect.gen(function*() {
  const ovsdb = yield* Ovsdb.Ovsdb
  // Acquiring the monitor sends monitor_cond; leaving the scope sends monitor_cancel.
  const monitor = yield* ovsdb.monitorCond(NB, { Logical_Switch_Port: { columns: ["name", "tag_request"] } })
  const seen = yield* monitor.updates.pipe(
    Stream.flatMap((update) => Stream.fromIterable(update.changes)),
    Stream.runForEach((change) => Console.log(`  monitor: ${change._tag} ${change.table} ${change.uuid}`)),
    Effect.forkScoped
  )
  const [ls] = yield* ovsdb.transact(
    NB,
    Op.insert("Logical_Switch", { name: "demo-ls", ports: [Value.namedUuid("p1"), Value.namedUuid("p2")] }),
    Op.insert("Logical_Switch_Port", { name: "demo-p1", addresses: ["00:00:00:00:00:01 10.0.0.1"] }, {
      uuidName: "p1"
    }),
    Op.insert("Logical_Switch_Port", { name: "demo-p2", tag_request: 100 }, { uuidName: "p2" }),
    Op.comment("effect-ovsdb demo")
  )
  yield* Console.log(`inserted logical switch ${ls.uuid} with two ports`)

  const [bumped, { rows }] = yield* ovsdb.transact(
    NB,
    Op.mutate("Logical_Switch_Port", [Op.where("name", "==", "demo-p2")], [Op.mutation("tag_request", "+=", 1)]),
    Op.select("Logical_Switch_Port", [], ["name", "tag_request"])
  )
  // An optional column holds its value, or an empty set when unset.
  const tag = (value: Value.Value | undefined) => Array.isArray(value) && value.length === 0 ? "none" : String(value)
  yield* Console.log(
    `mutated ${bumped.count} row; ports now: ${
      rows.map((r) => `${String(r.name)} (tag ${tag(r.tag_request)})`).join(", ")
    }`
  )

  // The server refuses a value outside the column's range; the failure is typed and names the operation.
  yield* ovsdb.transact(
    NB,
    Op.update("Logical_Switch_Port", [Op.where("name", "==", "demo-p2")], { tag_request: 5000 })
  )
    .pipe(
      Effect.catchTag(
        "TransactionError",
        (error) => Console.log(`refused as expected: ${error.error} in operation ${error.index}: ${error.details}`)
      )
    )

  // The generated model knows the column's range: the same update fails before anything is sent,
  // and a typed select gives the optional column as `number | undefined`.
  const [{ rows: typed }] = yield* ovsdb.transact(
    NB,
    Typed.select(Logical_Switch_Port, [["name", "==", "demo-p2"]], ["name", "tag_request"])
  )
  yield* Console.log(`typed select: ${typed.map((r) => `${r.name} (tag ${r.tag_request ?? "none"})`).join(", ")}`)
  yield* ovsdb.transact(NB, Typed.update(Logical_Switch_Port, [["name", "==", "demo-p2"]], { tag_request: 5000 }))
    .pipe(Effect.catchTag("ValueError", (error) => Console.log(`refused before sending: ${error.message}`)))

  const [deleted] = yield* ovsdb.transact(NB, Op.delete("Logical_Switch", [Op.where("name", "==", "demo-ls")]))
  yield* Console.log(`deleted ${deleted.count} switch (its ports went with it: they are not root rows)`)
  yield* Fiber.interrupt(seen)
}).pipe(Effect.scoped)

const remoteArg = (): string | undefined => {
  const at = process.argv.indexOf("--remote")
  return at === -1 ? undefined : process.argv[at + 1]
}

const main = Effect.gen(function*() {
  const remote = remoteArg()
  if (remote !== undefined) {
    yield* Console.log(`connecting to ${remote} (read-only)`)
    // One plain connection, as a tool makes: it fails at once when the server is not there.
    return yield* readOnly.pipe(Effect.provide(Ovsdb.layerConnection({ remote, connectTimeout: "5 seconds" })))
  }
  const server = yield* OvsdbServer.start()
  yield* Console.log(`started a throwaway ovsdb-server in ${server.dir}`)
  yield* Effect.andThen(readOnly, transactions).pipe(
    Effect.provide(Ovsdb.layer({ remote: server.unix, requestTimeout: "10 seconds" }))
  )
  yield* Console.log("stopping the server")
}).pipe(Effect.scoped)

NodeRuntime.runMain(main)
