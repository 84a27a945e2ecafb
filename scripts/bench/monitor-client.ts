/**
 * effect-ovsdb's side of the monitor benchmark, run as its own process so that its CPU time and
 * peak memory are its own: connect, start a monitor on one table, decode its initial contents,
 * print the row count, exit. With `select`, a `select` of every row of the table instead. Last,
 * on stderr, how long it waited on the server (`serverWait`).
 *
 * Usage: node monitor-client.js REMOTE DATABASE TABLE [select]
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Ovsdb from "../../src/Ovsdb.js"
import * as Op from "../../src/protocol/Operation.js"
import * as ServerWait from "./serverWait.js"

const [remote, database, table, mode] = process.argv.slice(2)

const main = Effect.gen(function*() {
  const ovsdb = yield* Ovsdb.Ovsdb
  if (mode === "select") {
    const [{ rows }] = yield* ovsdb.transact(database!, Op.select(table!, []))
    return yield* Console.log(rows.length)
  }
  const monitor = yield* ovsdb.monitorCond(database!, { [table!]: {} })
  yield* Console.log(monitor.initial.length)
}).pipe(
  Effect.scoped,
  Effect.provide(Ovsdb.layer({ remote: remote! })),
  ServerWait.timingWaits,
  Effect.andThen(ServerWait.report)
)

NodeRuntime.runMain(main)
