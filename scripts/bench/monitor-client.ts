/**
 * effect-ovsdb's side of the monitor benchmark, run as its own process so that its CPU time and
 * peak memory are its own: connect, start a monitor on one table, decode its initial contents,
 * print the row count, exit.
 *
 * Usage: node monitor-client.js REMOTE DATABASE TABLE
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Ovsdb from "../../src/Ovsdb.js"

const [remote, database, table] = process.argv.slice(2)

const main = Effect.gen(function*() {
  const ovsdb = yield* Ovsdb.Ovsdb
  const monitor = yield* ovsdb.monitorCond(database!, { [table!]: {} })
  yield* Console.log(monitor.initial.length)
}).pipe(Effect.scoped, Effect.provide(Ovsdb.layer({ remote: remote! })))

NodeRuntime.runMain(main)
