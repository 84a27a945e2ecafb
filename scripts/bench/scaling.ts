/**
 * Scaling: how the cost of one row grows with the number of rows. At each size (10,000, 100,000
 * and 300,000 `Logical_Switch_Port` rows by default), on a server filled with that many, three
 * clients each run in a process of their own: a `select` of every row, the initial contents of a
 * `monitor_cond`, and a replica (`Replica.make`) of the table. Each is measured as in the monitor
 * benchmark (wall time, CPU time, peak resident memory), medians of alternating runs (3, and more
 * at a size under 100,000 rows: 15 at 10,000), and so is the same client on an empty table of the
 * same database: what a row costs is the difference, divided by the rows. The figure to hold is
 * the growth of that per-row cost from the smallest size to the largest.
 *
 * The client's wall time is its process's wall time less what it waited on the server before the
 * first byte of each reply (`serverWait`): ovsdb-server builds a whole reply before it sends any
 * of it, and its CPU time per row (measured too, from `/proc`) grew by up to 1.65 times from
 * 10,000 rows to 300,000. The whole wall time carries that growth, diluted by the client's own
 * time, so a slower client would show less of it; it is printed for information.
 */
import * as Effect from "effect/Effect"
import { OvsdbServer } from "../../test/support/OvsdbServer.js"
import { alternating, benchScript, fillServer } from "./monitor.js"

const DATABASE = "OVN_Northbound"
const TABLE = "Logical_Switch_Port"
/** A table of the same database that the fill leaves empty: the client's cost without rows. */
const EMPTY_TABLE = "NB_Global"
/** Ports per logical switch in the fill. */
const PORTS = 1_000

/** Below this many rows, a size gets more runs, in inverse proportion to its rows, up to `MAX_ROUNDS`. */
const ROUNDS_AT = 100_000
const MAX_ROUNDS = 15

/** The clients measured, by name: the command that runs each on a table. */
const CLIENTS = {
  select: (
    remote: string,
    table: string
  ) => [process.execPath, benchScript("monitor-client.js"), remote, DATABASE, table, "select"],
  monitor: (
    remote: string,
    table: string
  ) => [process.execPath, benchScript("monitor-client.js"), remote, DATABASE, table],
  replica: (
    remote: string,
    table: string
  ) => [process.execPath, benchScript("replica-client.js"), "initial", remote, table]
} as const

/** A client's name. */
export type Client = keyof typeof CLIENTS

/** What one row cost a client at one size. */
export interface PerRow {
  readonly rows: number
  /** Wall time per row, in microseconds. */
  readonly wallMicros: number
  /** The client's wall time per row (less its waits on the server before each reply's first byte), in microseconds. */
  readonly clientWallMicros: number
  /** CPU time per row, in microseconds. */
  readonly cpuMicros: number
  /** Peak resident memory per row, in bytes. */
  readonly peakBytes: number
  /** The server's CPU time per row while it served the client, in microseconds: the rest of the wall time. */
  readonly serverCpuMicros: number
}

/** Each client's cost per row at each size, smallest size first. */
export type ScalingReport = { readonly [client in Client]: ReadonlyArray<PerRow> }

/** Measures every client at every size; each size on a server of its own, stopped after it. */
export const benchScaling = (options?: { readonly sizes?: ReadonlyArray<number>; readonly rounds?: number }) =>
  Effect.gen(function*() {
    const sizes = options?.sizes ?? [10_000, 100_000, 300_000]
    const rounds = options?.rounds ?? 3
    const names = Object.keys(CLIENTS) as ReadonlyArray<Client>
    const report: { [client in Client]: Array<PerRow> } = { select: [], monitor: [], replica: [] }
    for (const rows of sizes) {
      yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* OvsdbServer.start({ databases: [DATABASE] })
        const remote = `unix:${server.unixPath}`
        yield* fillServer(remote, Math.ceil(rows / PORTS), Math.min(rows, PORTS))
        // A small size's per-row figure is a small difference of two runs: more of them steady it.
        const runs = Math.min(MAX_ROUNDS, Math.max(rounds, Math.round(rounds * ROUNDS_AT / rows)))
        const full = yield* alternating(names.map((name) => CLIENTS[name](remote, TABLE)), runs, server.pid)
        const empty = yield* alternating(names.map((name) => CLIENTS[name](remote, EMPTY_TABLE)), runs, server.pid)
        names.forEach((name, i) => {
          const [loaded, idle] = [full[i]!, empty[i]!]
          report[name].push({
            rows,
            wallMicros: (loaded.wallSeconds - idle.wallSeconds) * 1e6 / rows,
            clientWallMicros: (loaded.clientWallSeconds! - idle.clientWallSeconds!) * 1e6 / rows,
            cpuMicros: (loaded.cpuSeconds - idle.cpuSeconds) * 1e6 / rows,
            peakBytes: (loaded.peakMiB - idle.peakMiB) * 1048576 / rows,
            serverCpuMicros: (loaded.serverCpuSeconds! - idle.serverCpuSeconds!) * 1e6 / rows
          })
        })
      }))
    }
    return report as ScalingReport
  })
