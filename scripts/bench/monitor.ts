/**
 * The monitor benchmark: receive and decode the initial contents of a monitor on OVN Northbound
 * `Logical_Switch_Port` with 100,000 rows (100 switches of 1,000 ports, filled in one
 * transaction), against `ovsdb-client dump` of the same table and against the Open vSwitch Python
 * IDL, each in a process of its own, so that wall time, CPU time and peak memory are each
 * client's. The server's own serialisation is in every figure.
 */
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import { fileURLToPath } from "node:url"
import type { Json } from "../../src/Json.js"
import * as Ovsdb from "../../src/Ovsdb.js"
import { median } from "./measure.js"
import { WAIT_LINE } from "./serverWait.js"

/** One client's figures. */
export interface Usage {
  readonly wallSeconds: number
  readonly cpuSeconds: number
  readonly peakMiB: number
  /** The server's CPU time meanwhile, when its process was given. */
  readonly serverCpuSeconds?: number | undefined
  /** The wall time less what the client waited on the server with nothing to read, when it says (`serverWait`). */
  readonly clientWallSeconds?: number | undefined
}

/** The monitor benchmark's figures. */
export interface MonitorReport {
  readonly rows: number
  /** Runs of each client, whose medians these are. */
  readonly rounds: number
  readonly ours: Usage
  readonly ovsdbClient: Usage
  readonly pythonIdl: Usage
}

const DATABASE = "OVN_Northbound"
const TABLE = "Logical_Switch_Port"
const NB_SCHEMA = "/usr/share/ovn/ovn-nb.ovsschema"

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0")

/** One transaction inserting `switches` logical switches of `ports` ports each. */
const fill = (switches: number, ports: number): ReadonlyArray<Json> => {
  const operations: Array<Json> = []
  for (let s = 0; s < switches; s++) {
    const names: Array<Json> = []
    for (let p = 0; p < ports; p++) {
      const n = s * ports + p
      names.push(["named-uuid", `p${n}`])
      operations.push({
        op: "insert",
        table: TABLE,
        "uuid-name": `p${n}`,
        row: {
          name: `lsp-${s}-${p}`,
          addresses: ["set", [
            `00:00:00:${hex((n >> 16) & 255, 2)}:${hex((n >> 8) & 255, 2)}:${hex(n & 255, 2)} 10.${s}.${p >> 8}.${
              p & 255
            }`
          ]],
          external_ids: ["map", [["neutron:port_name", `port-${n}`], ["neutron:device_owner", "compute:nova"]]],
          options: ["map", [["requested-chassis", `chassis-${n % 64}`]]]
        }
      })
    }
    operations.push({ op: "insert", table: "Logical_Switch", row: { name: `ls-${s}`, ports: ["set", names] } })
  }
  return operations
}

/** Fills the server at `remote` with `switches` switches of `ports` ports each, in one transaction. */
export const fillServer = (remote: string, switches: number, ports: number) =>
  Ovsdb.Ovsdb.use((ovsdb) => ovsdb.transactJson(DATABASE, fill(switches, ports))).pipe(
    Effect.provide(Ovsdb.layer({ remote })),
    Effect.orDie
  )

/** The kernel's clock ticks per second, the unit of a process's CPU times in `/proc` (proc(5)); asked once, when first needed. */
let clockTicks: number | undefined

/** The CPU time (user and system) a running process has used so far, from `/proc/PID/stat` (proc(5)). */
const cpuSecondsOf = (pid: number): number => {
  clockTicks ??= Number(ChildProcess.execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim())
  const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  // After the command's name in parentheses: state is field 3, utime 14 and stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) / clockTicks
}

/**
 * Runs a command under a Python wrapper that reports its wall time, CPU time and peak RSS, and what
 * the command said it waited on the server (`serverWait`), and with `serverPid`, the CPU time that
 * process used meanwhile. A command that fails fails the measure with its stderr.
 */
export const measure = (command: ReadonlyArray<string>, serverPid?: number) =>
  Effect.callback<Usage, Error>((resume) => {
    const serverBefore = serverPid === undefined ? 0 : cpuSecondsOf(serverPid)
    const wrapper = [
      "import resource, subprocess, sys, time",
      "start = time.monotonic()",
      "run = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)",
      "wall = time.monotonic() - start",
      "lines = run.stderr.splitlines(keepends=True)",
      `waits = [line[${WAIT_LINE.length}:].strip() for line in lines if line.startswith(${JSON.stringify(WAIT_LINE)})]`,
      "if run.returncode != 0: sys.exit(run.stderr or run.returncode)",
      "usage = resource.getrusage(resource.RUSAGE_CHILDREN)",
      "print(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, waits[-1] if waits else 'nan')"
    ].join("\n")
    ChildProcess.execFile("python3", ["-c", wrapper, ...command], { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error !== null) return resume(Effect.fail(error))
      const [wall, cpu, maxrss, waited] = stdout.trim().split(/\s+/).map(Number)
      const serverCpuSeconds = serverPid === undefined ? undefined : cpuSecondsOf(serverPid) - serverBefore
      resume(Effect.succeed({
        wallSeconds: wall!,
        cpuSeconds: cpu!,
        peakMiB: maxrss! / 1024,
        serverCpuSeconds,
        clientWallSeconds: Number.isNaN(waited) ? undefined : wall! - waited!
      }))
    })
  })

/** The median of a figure over the runs, when every run has it. */
const medianOf = (runs: ReadonlyArray<Usage>, figure: (run: Usage) => number | undefined) => {
  const values = runs.map(figure)
  return values.every((value) => value !== undefined) ? median(values as ReadonlyArray<number>) : undefined
}

/** The median of each figure over the runs. */
const medianUsage = (runs: ReadonlyArray<Usage>): Usage => ({
  wallSeconds: median(runs.map((run) => run.wallSeconds)),
  cpuSeconds: median(runs.map((run) => run.cpuSeconds)),
  peakMiB: median(runs.map((run) => run.peakMiB)),
  serverCpuSeconds: medianOf(runs, (run) => run.serverCpuSeconds),
  clientWallSeconds: medianOf(runs, (run) => run.clientWallSeconds)
})

/**
 * Measures each command `rounds` times, the commands taking turns within a round (each round
 * starting one further along), and gives each command's medians, in the order given; with
 * `serverPid`, the server's CPU time during each too.
 */
export const alternating = (commands: ReadonlyArray<ReadonlyArray<string>>, rounds: number, serverPid?: number) =>
  Effect.gen(function*() {
    const runs: Array<Array<Usage>> = commands.map(() => [])
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < commands.length; i++) {
        const at = (round + i) % commands.length
        runs[at]!.push(yield* measure(commands[at]!, serverPid))
      }
    }
    return runs.map(medianUsage)
  })

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/** A compiled script of the benchmark folder, by its name (`monitor-client.js`). */
export const benchScript = (name: string) => here(`./${name}`)

/** `ovsdb-client dump` of the table, the wall peer. */
export const ovsdbClientDump = (remote: string) => ["ovsdb-client", "dump", remote, DATABASE, TABLE]

/**
 * The Python IDL replicating the table (every column), the CPU and memory peer. The scripts'
 * source folder holds the Python side; Debian's python3 has the IDL package.
 */
export const pythonIdlMonitor = (remote: string) => [
  "/usr/bin/python3",
  here("../../../scripts/bench/python-idl-monitor.py"),
  remote,
  NB_SCHEMA,
  TABLE
]

/** Runs of each client; the medians are reported. */
const ROUNDS = 3

/**
 * Fills the server at `unixPath` and measures the three clients, taking turns, `ROUNDS` times each;
 * ours runs on the Node that runs the bench.
 */
export const benchMonitor = (unixPath: string, options?: { readonly switches?: number; readonly ports?: number }) =>
  Effect.gen(function*() {
    const switches = options?.switches ?? 100
    const ports = options?.ports ?? 1_000
    const remote = `unix:${unixPath}`
    yield* fillServer(remote, switches, ports)
    const [ours, ovsdbClient, pythonIdl] = yield* alternating([
      [process.execPath, benchScript("monitor-client.js"), remote, DATABASE, TABLE],
      ovsdbClientDump(remote),
      pythonIdlMonitor(remote)
    ], ROUNDS)
    return {
      rows: switches * ports,
      rounds: ROUNDS,
      ours: ours!,
      ovsdbClient: ovsdbClient!,
      pythonIdl: pythonIdl!
    } satisfies MonitorReport
  })
