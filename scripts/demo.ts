/**
 * The demo: connect, list the databases, read a schema, run a few transactions watched by a
 * monitor, handle a typed error, and see the generated model catch a bad value before sending,
 * against a throwaway ovsdb-server that the demo starts and stops itself — or, where ovsdb-server
 * is not installed, against effect-ovsdb's own in-memory server, in the demo's process.
 *
 *   npm run demo                                      # a local server in a temp dir (or in memory)
 *   npm run demo -- --memory                          # the in-memory server, even with ovsdb-server installed
 *   npm run demo -- --remote unix:/var/run/openvswitch/db.sock   # your server: reads only
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Url from "node:url"
import { Operation as Op, Ovsdb, TestServer, Typed, Value } from "../src/index.js"
import * as Open_vSwitch from "../src/models/Open_vSwitch.js"
import * as OVN_Northbound from "../src/models/OVN_Northbound.js"
import { OvsdbServer, SCHEMAS } from "../test/support/OvsdbServer.js"

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
    Typed.select(OVN_Northbound.Logical_Switch_Port, [["name", "==", "demo-p2"]], ["name", "tag_request"])
  )
  yield* Console.log(`typed select: ${typed.map((r) => `${r.name} (tag ${r.tag_request ?? "none"})`).join(", ")}`)
  yield* ovsdb.transact(
    NB,
    Typed.update(OVN_Northbound.Logical_Switch_Port, [["name", "==", "demo-p2"]], { tag_request: 5000 })
  )
    .pipe(Effect.catchTag("ValueError", (error) => Console.log(`refused before sending: ${error.message}`)))

  const [deleted] = yield* ovsdb.transact(NB, Op.delete("Logical_Switch", [Op.where("name", "==", "demo-ls")]))
  yield* Console.log(`deleted ${deleted.count} switch (its ports went with it: they are not root rows)`)
  yield* Fiber.interrupt(seen)
}).pipe(Effect.scoped)

/** Where the demo runs: a server of yours (read-only), a throwaway ovsdb-server, or the in-memory server. */
export type Target =
  | { readonly _tag: "Remote"; readonly remote: string }
  | { readonly _tag: "OvsdbServer" }
  | { readonly _tag: "InMemory" }

/** Whether ovsdb-server, ovsdb-tool and the schemas the demo serves are installed. */
const ovsdbServerInstalled = (): boolean =>
  ["ovsdb-server", "ovsdb-tool"].every((program) =>
    ChildProcess.spawnSync(program, ["--version"], { stdio: "ignore" }).status === 0
  ) && [SCHEMAS.Open_vSwitch, SCHEMAS.OVN_Northbound].every((file) => Fs.existsSync(file))

/** The target the command line asks for: `--remote R`, `--memory`, or the default. */
const targetOf = (args: ReadonlyArray<string>): Target => {
  const at = args.indexOf("--remote")
  if (at !== -1 && args[at + 1] !== undefined) return { _tag: "Remote", remote: args[at + 1]! }
  if (args.includes("--memory") || !ovsdbServerInstalled()) return { _tag: "InMemory" }
  return { _tag: "OvsdbServer" }
}

/**
 * The demo against `target`.
 */
export const demo = (target: Target) =>
  Effect.gen(function*() {
    switch (target._tag) {
      case "Remote": {
        yield* Console.log(`connecting to ${target.remote} (read-only)`)
        // One plain connection, as a tool makes: it fails at once when the server is not there.
        return yield* readOnly.pipe(
          Effect.provide(Ovsdb.layerConnection({ remote: target.remote, connectTimeout: "5 seconds" }))
        )
      }
      case "OvsdbServer": {
        const server = yield* OvsdbServer.start()
        yield* Console.log(`started a throwaway ovsdb-server in ${server.dir}`)
        yield* Effect.andThen(readOnly, transactions).pipe(
          Effect.provide(Ovsdb.layer({ remote: server.unix, requestTimeout: "10 seconds" }))
        )
        return yield* Console.log("stopping the server")
      }
      case "InMemory": {
        yield* Console.log("serving Open_vSwitch and OVN_Northbound from memory, with effect-ovsdb's own server")
        return yield* Effect.andThen(readOnly, transactions).pipe(
          Effect.provide(TestServer.layer({ databases: [Open_vSwitch.database, OVN_Northbound.database] }))
        )
      }
    }
  }).pipe(Effect.scoped)

if (process.argv[1] !== undefined && import.meta.url === Url.pathToFileURL(process.argv[1]).href) {
  NodeRuntime.runMain(demo(targetOf(process.argv.slice(2))))
}
