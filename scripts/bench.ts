/**
 * `npm run bench`: the performance targets, each measured against a peer in the same run.
 *
 * - codec: framing + parsing a ~50 MB select reply in 64 KiB reads vs `JSON.parse` of the same bytes;
 * - transact: 10,000 pipelined transactions through the client vs a raw node:net client sending
 *   the same bytes, both against the same real ovsdb-server.
 * - monitor: the initial contents of 100,000 rows, vs ovsdb-client and the Python IDL.
 * - failover: kill -9 of a 3-member cluster's leader to monitoring on the new leader, vs the
 *   Python IDL on the same cluster, through the same kills.
 * - replica: the initial replication of 100,000 rows (vs ovsdb-client and the Python IDL), the
 *   memory per replicated row (vs the Python IDL), and applying 10,000 small updates.
 * - startup: the command line's `list-dbs` on a local unix socket, a fresh process each run, vs
 *   `ovsdb-client list-dbs`.
 * - cli: the command line's `query`, `transact` and `dump` of 100,000 rows, vs ovsdb-client's, same bytes out.
 *
 * - scaling (`--scaling`, not run by default: it fills servers of 10,000, 100,000 and 300,000
 *   rows): select, initial monitor and replica, the cost of a row at each size, and its growth;
 *   and the server's CPU time per row meanwhile, for information.
 *
 * `npm run bench -- transact` (or `codec`, `monitor`, `failover`, `replica`, `startup`, `cli`, `--scaling`;
 * several may be named) runs only those. Every line it prints after its heading is
 * `NAME: DETAILS -> FIGURE UNIT (target …)` (see `bench/report.ts`); `npm run bench:table` makes the
 * README's table of saved runs.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Os from "node:os"
import { OvsdbCluster } from "../test/support/OvsdbCluster.js"
import { OvsdbServer } from "../test/support/OvsdbServer.js"
import { benchCli } from "./bench/cli.js"
import { benchCodec } from "./bench/codec.js"
import { benchFailover } from "./bench/failover.js"
import { benchMonitor, type Usage } from "./bench/monitor.js"
import { benchReplica } from "./bench/replica.js"
import { line, ratio } from "./bench/report.js"
import { benchScaling, type PerRow } from "./bench/scaling.js"
import { benchStartup } from "./bench/startup.js"
import { benchTransact } from "./bench/transact.js"

const fixed = (n: number, digits = 1) => n.toFixed(digits)
const count = (n: number) => n.toLocaleString("en-US")

/** One client's process: its wall time, CPU time and peak memory. */
const usage = (u: { readonly wallSeconds: number; readonly cpuSeconds: number; readonly peakMiB: number }) =>
  `${fixed(u.wallSeconds, 2)} s wall, ${fixed(u.cpuSeconds, 2)} s CPU, ${fixed(u.peakMiB, 0)} MiB`

const BENCHMARKS = ["codec", "transact", "monitor", "failover", "replica", "startup", "cli"] as const
/** Run only when named. */
const ON_REQUEST = ["--scaling"] as const

/** The benchmarks named on the command line; all but those run on request when none is. */
const chosen = (args: ReadonlyArray<string>): ReadonlySet<string> | string => {
  const known: ReadonlyArray<string> = [...BENCHMARKS, ...ON_REQUEST]
  const unknown = args.filter((arg) => !known.includes(arg))
  if (unknown.length > 0) {
    return `usage: npm run bench [-- ${known.join(" | ")} ...] (unknown: ${unknown.join(" ")})`
  }
  return new Set(args.length === 0 ? BENCHMARKS : args)
}

const codecBench = Effect.gen(function*() {
  const codec = benchCodec()
  yield* Console.log(line(
    "codec",
    `${fixed(codec.megabytes)} MB reply in 64 KiB reads: framer ${fixed(codec.framerMillis)} ms, ` +
      `JSON.parse ${fixed(codec.jsonParseMillis)} ms`,
    ratio(codec.ratio, "JSON.parse"),
    ">= 0.90"
  ))
})

const transactBench = Effect.gen(function*() {
  const server = yield* OvsdbServer.start({ databases: ["OVN_Northbound"] })
  const transact = yield* benchTransact(server.unixPath)
  const raw = `raw node:net ${fixed(transact.rawMillis)} ms`
  yield* Console.log(line(
    "transact",
    `${transact.transactions} pipelined transactions: client ${fixed(transact.clientMillis)} ms, ${raw}`,
    ratio(transact.ratio, "raw"),
    ">= 0.90"
  ))
  yield* Console.log(line(
    "transact traced",
    `under a tracing backend (a span per call): client ${fixed(transact.tracedMillis)} ms, ${raw}`,
    ratio(transact.tracedRatio, "raw"),
    "none"
  ))
  yield* Console.log(line(
    "transact untraced",
    `with Effect's tracing off (References.TracerEnabled false): client ${fixed(transact.untracedMillis)} ms, ${raw}`,
    ratio(transact.untracedRatio, "raw"),
    "none"
  ))
}).pipe(Effect.scoped)

/**
 * The three lines of an initial-contents benchmark: wall against ovsdb-client dump, CPU and peak
 * memory against the Python IDL, each client's three figures in the details.
 */
const initialLines = (
  name: string,
  what: string,
  figures: { readonly ours: Usage; readonly ovsdbClient: Usage; readonly pythonIdl: Usage },
  targets: { readonly wall: string; readonly cpu: string; readonly memory: string }
) => {
  const { ours, ovsdbClient, pythonIdl } = figures
  const of = `${what}: effect-ovsdb ${usage(ours)}`
  return [
    line(
      `${name} wall`,
      `${of}; ovsdb-client dump ${usage(ovsdbClient)}`,
      ratio(ours.wallSeconds / ovsdbClient.wallSeconds, "ovsdb-client dump"),
      targets.wall
    ),
    line(
      `${name} CPU`,
      `${of}; Python IDL ${usage(pythonIdl)}`,
      ratio(ours.cpuSeconds / pythonIdl.cpuSeconds, "Python IDL"),
      targets.cpu
    ),
    line(
      `${name} memory`,
      `${of}; Python IDL ${usage(pythonIdl)}`,
      ratio(ours.peakMiB / pythonIdl.peakMiB, "Python IDL"),
      targets.memory
    )
  ]
}

const monitorBench = Effect.gen(function*() {
  const big = yield* OvsdbServer.start({ databases: ["OVN_Northbound"] })
  const monitor = yield* benchMonitor(big.unixPath)
  const what = `initial contents of ${count(monitor.rows)} Logical_Switch_Port rows ` +
    `(medians of ${monitor.rounds} alternating runs)`
  for (const text of initialLines("monitor", what, monitor, { wall: "<= 0.50", cpu: "<= 0.25", memory: "<= 0.50" })) {
    yield* Console.log(text)
  }
}).pipe(Effect.scoped)

const failoverBench = Effect.gen(function*() {
  const cluster = yield* OvsdbCluster.start({ database: "OVN_Northbound", members: 3 })
  const failover = yield* benchFailover(cluster)
  const range = ([low, high]: readonly [number, number]) => `${fixed(low, 0)}-${fixed(high, 0)} ms`
  yield* Console.log(line(
    "failover",
    `kill -9 of the leader to monitoring on the new leader, ${failover.rounds} rounds: ` +
      `effect-ovsdb ${fixed(failover.oursMillis, 0)} ms (${range(failover.oursRange)}), ` +
      `Python IDL ${fixed(failover.pythonIdlMillis, 0)} ms (${range(failover.pythonIdlRange)}); ` +
      `the election and the probe row's commit on the new leader ${fixed(failover.probeMillis, 0)} ms`,
    ratio(failover.ratio, "Python IDL"),
    "<= 1.00"
  ))
}).pipe(Effect.scoped)

const replicaBench = Effect.gen(function*() {
  const server = yield* OvsdbServer.start({ databases: ["OVN_Northbound"] })
  const replica = yield* benchReplica(server.unixPath)
  const what = `initial replication of ${count(replica.rows)} Logical_Switch_Port rows ` +
    `(medians of ${replica.rounds} alternating runs)`
  for (const text of initialLines("replica", what, replica, { wall: "<= 1.00", cpu: "<= 0.25", memory: "<= 0.50" })) {
    yield* Console.log(text)
  }
  yield* Console.log(line(
    "replica row memory",
    `memory per replicated row after a full collection: effect-ovsdb ${fixed(replica.bytesPerRow, 0)} ` +
      `bytes of heap, Python IDL ${fixed(replica.pythonIdlBytesPerRow, 0)} bytes (tracemalloc)`,
    ratio(replica.bytesPerRow / replica.pythonIdlBytesPerRow, "Python IDL"),
    "none"
  ))
  const u = replica.updates
  const share = u.replicaBusyMillis - u.rawBusyMillis
  yield* Console.log(line(
    "replica updates",
    `${count(u.updates)} small updates (one transaction's update3, medians of ${u.samples}): ` +
      `event loop busy ${fixed(u.replicaBusyMillis)} ms with the replica, ${fixed(u.rawBusyMillis)} ms on a bare ` +
      `socket reading the same monitor's bytes, the replica's share ${fixed(share)} ms; of which its handler ` +
      `(Store.apply) ${fixed(u.applyMillis)} ms; the transaction's wall time, the server's commit included: ` +
      `${fixed(u.replicaMillis, 0)} ms with the replica, ${fixed(u.rawMillis, 0)} ms bare; client CPU ` +
      `${fixed(u.replicaCpuMillis)} ms with the replica, ${fixed(u.rawCpuMillis)} ms bare`,
    { value: u.updates / share * 1000, unit: "updates/s", digits: 0 },
    ">= 50000"
  ))
}).pipe(Effect.scoped)

const startupBench = Effect.gen(function*() {
  const server = yield* OvsdbServer.start({ databases: ["OVN_Northbound"] })
  const startup = yield* benchStartup(server.unixPath)
  yield* Console.log(line(
    "cli start-up",
    `list-dbs ${fixed(startup.oursMillis, 0)} ms, ovsdb-client list-dbs ${fixed(startup.ovsdbClientMillis)} ms`,
    { value: startup.oursMillis, unit: "ms", digits: 0 },
    "< 300 ms"
  ))
}).pipe(Effect.scoped)

const cliBench = Effect.gen(function*() {
  const server = yield* OvsdbServer.start({ databases: ["OVN_Northbound"] })
  for (const report of yield* benchCli(server.unixPath)) {
    yield* Console.log(line(
      `cli ${report.command}`,
      `100,000 rows (${fixed(report.outputBytes / 1e6)} MB out, the same bytes): ` +
        `effect-ovsdb ${usage(report.ours)}; ovsdb-client ${usage(report.ovsdbClient)}`,
      ratio(report.ours.wallSeconds / report.ovsdbClient.wallSeconds, "ovsdb-client"),
      "<= 1.00"
    ))
  }
}).pipe(Effect.scoped)

/** The growth of a per-row cost from the smallest size to the largest may not pass this. */
const SCALING_TARGET = 1.2

const scalingBench = Effect.gen(function*() {
  const report = yield* benchScaling()
  for (const [client, sizes] of Object.entries(report)) {
    const first = sizes[0]!
    const last = sizes[sizes.length - 1]!
    const scaling = (
      what: string,
      unit: string,
      cost: (perRow: PerRow) => number,
      digits: number,
      target = `<= ${fixed(SCALING_TARGET, 2)}`
    ) =>
      line(
        `scaling ${client} ${what}`,
        `per row: ` + sizes.map((size) => `${count(size.rows)} rows ${fixed(cost(size), digits)} ${unit}`).join(", "),
        ratio(cost(last) / cost(first), `at ${count(first.rows)} rows`),
        target
      )
    yield* Console.log(scaling("client wall time", "us", (size) => size.clientWallMicros, 2))
    yield* Console.log(scaling("CPU time", "us", (size) => size.cpuMicros, 2))
    yield* Console.log(scaling("peak memory", "B", (size) => size.peakBytes, 0))
    // For information: the whole wall time, and what of it is the server's.
    yield* Console.log(scaling("wall time", "us", (size) => size.wallMicros, 2, "none"))
    yield* Console.log(scaling("server CPU time", "us", (size) => size.serverCpuMicros, 2, "none"))
  }
})

/** The run's heading: Node, the machine and the date, for the figures' record. */
const heading = () => {
  const cpus = Os.cpus()
  const model = cpus[0]?.model.replace(/\s+/g, " ").trim() ?? "unknown processor"
  const memory = Math.round(Os.totalmem() / 2 ** 30)
  return `node ${process.version} on ${Os.platform()} ${Os.arch()}, ${cpus.length} x ${model}, ${memory} GiB, ` +
    new Date().toISOString().slice(0, 10)
}

const main = Effect.gen(function*() {
  const only = chosen(process.argv.slice(2))
  if (typeof only === "string") return yield* Console.log(only)
  yield* Console.log(heading())
  if (only.has("codec")) yield* codecBench
  if (only.has("transact")) yield* transactBench
  if (only.has("monitor")) yield* monitorBench
  if (only.has("failover")) yield* failoverBench
  if (only.has("replica")) yield* replicaBench
  if (only.has("startup")) yield* startupBench
  if (only.has("cli")) yield* cliBench
  if (only.has("--scaling")) yield* scalingBench
}).pipe(Effect.scoped)

NodeRuntime.runMain(main)
