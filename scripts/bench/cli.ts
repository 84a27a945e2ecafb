/**
 * The command line on a large database: `query` and `transact` of a select of every
 * `Logical_Switch_Port` row, and `dump` of the table, the built `effect-ovsdb` against
 * `ovsdb-client`, a fresh process each run, the two taking turns on the same server; medians of
 * wall time, CPU time and peak memory. Both print the same bytes (checked once before timing): the
 * work is the same.
 */
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import { fileURLToPath } from "node:url"
import type { Usage } from "./monitor.js"
import { alternating, fillServer } from "./monitor.js"

/** One command's figures, ours and ovsdb-client's. */
export interface CliReport {
  readonly command: string
  readonly ours: Usage
  readonly ovsdbClient: Usage
  readonly outputBytes: number
}

/** Runs of each command; the medians are reported. */
const ROUNDS = 5

/** The command line as the package ships it (bundled, in dist/cli), beside this compiled script (dist/scripts/bench). */
const MAIN = fileURLToPath(new URL("../../cli/main.js", import.meta.url))

const DATABASE = "OVN_Northbound"
const TABLE = "Logical_Switch_Port"

/** A command's standard output, in full. */
const output = (command: ReadonlyArray<string>) =>
  Effect.callback<Buffer, Error>((resume) => {
    ChildProcess.execFile(
      command[0]!,
      command.slice(1),
      { maxBuffer: 1 << 30, encoding: "buffer" },
      (error, stdout) => {
        resume(error === null ? Effect.succeed(stdout) : Effect.fail(error))
      }
    )
  })

/**
 * Fills the server at `unixPath` with 100 switches of 1,000 ports and measures each command of
 * both clients; fails when the two print different bytes.
 */
export const benchCli = (unixPath: string) =>
  Effect.gen(function*() {
    const remote = `unix:${unixPath}`
    yield* fillServer(remote, 100, 1_000)
    const select = JSON.stringify([DATABASE, { op: "select", table: TABLE, where: [] }])
    const commands: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
      ["query", ["query", remote, select]],
      ["transact", ["transact", remote, select]],
      ["dump", ["dump", remote, DATABASE, TABLE]]
    ]
    const reports: Array<CliReport> = []
    for (const [name, args] of commands) {
      const ours = [process.execPath, MAIN, ...args]
      const ovsdbClient = ["ovsdb-client", ...args]
      const [a, b] = yield* Effect.all([output(ours), output(ovsdbClient)])
      if (!a.equals(b)) {
        return yield* Effect.fail(new Error(`${name}: effect-ovsdb and ovsdb-client print different bytes`))
      }
      const [oursUsage, ovsdbClientUsage] = yield* alternating([ours, ovsdbClient], ROUNDS)
      reports.push({ command: name, ours: oursUsage!, ovsdbClient: ovsdbClientUsage!, outputBytes: a.length })
    }
    return reports
  })
