/**
 * The start-up benchmark: the built command line answering `list-dbs` on a local unix socket, a
 * fresh Node process each run (Node's own start, loading the modules, connecting, the reply and the
 * exit), against `ovsdb-client list-dbs` on the same socket, the two taking turns. Each command
 * runs once untimed first, so that Node's compile cache is filled as it is after a first use.
 */
import * as Effect from "effect/Effect"
import { fileURLToPath } from "node:url"
import { alternating, measure } from "./monitor.js"

/** The start-up benchmark's figures: median wall times. */
export interface StartupReport {
  readonly rounds: number
  readonly oursMillis: number
  readonly ovsdbClientMillis: number
}

/** Runs of each command; the medians are reported. */
const ROUNDS = 15

/** The command line as the package ships it (bundled, in dist/cli), beside this compiled script (dist/scripts/bench). */
const MAIN = fileURLToPath(new URL("../../cli/main.js", import.meta.url))

/** Measures `list-dbs` of both clients on the server listening at `unixPath`. */
export const benchStartup = (unixPath: string) =>
  Effect.gen(function*() {
    const remote = `unix:${unixPath}`
    const ours = [process.execPath, MAIN, "list-dbs", remote]
    const ovsdbClient = ["ovsdb-client", "list-dbs", remote]
    yield* measure(ours)
    yield* measure(ovsdbClient)
    const [oursUsage, ovsdbClientUsage] = yield* alternating([ours, ovsdbClient], ROUNDS)
    return {
      rounds: ROUNDS,
      oursMillis: oursUsage!.wallSeconds * 1000,
      ovsdbClientMillis: ovsdbClientUsage!.wallSeconds * 1000
    } satisfies StartupReport
  })
