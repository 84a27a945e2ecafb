/**
 * The replica benchmark, on the monitor benchmark's 100,000 `Logical_Switch_Port` rows, each
 * client in a process of its own against the same server in the same run:
 *
 * - the initial replication (`Replica.make` of every column, until its first contents are in):
 *   wall time against `ovsdb-client dump` of the same table, CPU time and peak memory against the
 *   Open vSwitch Python IDL replicating the same table (every column) to its first contents;
 * - the heap a replica holds per row after a full collection, against the bytes the Python IDL
 *   still holds (as tracemalloc counts them) after its own;
 * - applying a real server's update3 of 10,000 small row modifications (see `replica-client.ts`).
 *
 * Medians of alternating runs: for the initial replication, the three clients take turns, each
 * once per round.
 */
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import { alternating, benchScript, fillServer, ovsdbClientDump, pythonIdlMonitor, type Usage } from "./monitor.js"
import type { Detail } from "./replica-client.js"

/** The replica benchmark's figures. */
export interface ReplicaReport {
  readonly rows: number
  readonly rounds: number
  readonly ours: Usage
  readonly ovsdbClient: Usage
  readonly pythonIdl: Usage
  /** Heap per replicated row after a full collection. */
  readonly bytesPerRow: number
  /** What the Python IDL still holds per row after `gc.collect()`, by tracemalloc. */
  readonly pythonIdlBytesPerRow: number
  readonly updates: Detail
}

/** Runs a command and gives its standard output. */
const output = (command: ReadonlyArray<string>) =>
  Effect.callback<string, Error>((resume) => {
    ChildProcess.execFile(command[0]!, command.slice(1), { maxBuffer: 1 << 20 }, (error, stdout) => {
      resume(error === null ? Effect.succeed(stdout) : Effect.fail(error))
    })
  })

/** Fills the server at `unixPath` and measures the replica and its peers. */
export const benchReplica = (
  unixPath: string,
  options?: {
    readonly switches?: number
    readonly ports?: number
    readonly rounds?: number
    readonly updates?: number
    readonly updateRounds?: number
  }
) =>
  Effect.gen(function*() {
    const switches = options?.switches ?? 100
    const ports = options?.ports ?? 1_000
    const rounds = options?.rounds ?? 3
    const remote = `unix:${unixPath}`
    yield* fillServer(remote, switches, ports)

    const clients = [
      [process.execPath, benchScript("replica-client.js"), "initial", remote],
      ovsdbClientDump(remote),
      pythonIdlMonitor(remote)
    ]
    const [ours, ovsdbClient, pythonIdl] = yield* alternating(clients, rounds)

    const [pythonRows, pythonBytes] = (yield* output([...pythonIdlMonitor(remote), "--memory"])).trim().split(/\s+/)
      .map(Number)
    const updates = JSON.parse(
      yield* output([
        process.execPath,
        "--expose-gc",
        benchScript("replica-client.js"),
        "detail",
        remote,
        String(options?.updates ?? 10_000),
        String(options?.updateRounds ?? 2)
      ])
    ) as Detail
    if (pythonRows !== switches * ports || updates.rows !== switches * ports) {
      return yield* Effect.die(new Error(`replicated ${updates.rows} rows, the Python IDL ${pythonRows}`))
    }
    return {
      rows: switches * ports,
      rounds,
      ours: ours!,
      ovsdbClient: ovsdbClient!,
      pythonIdl: pythonIdl!,
      bytesPerRow: updates.bytesPerRow,
      pythonIdlBytesPerRow: pythonBytes! / pythonRows!,
      updates
    } satisfies ReplicaReport
  })
