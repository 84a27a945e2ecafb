// Differential testing of the in-memory engine against ovsdb-server: random sequences of
// transactions over Open_vSwitch, OVN_Northbound and a test schema with every column kind
// (test/fixtures/differential.ovsschema), the same on both, each reply compared after naming UUIDs
// by order of appearance. Two ovsdb-servers run the same way first, to show that the comparison
// itself finds no difference where there is none.
//
// Prints the seed first: 4 unless OVSDB_DIFF_SEED=N replays another run (=random: a fresh one,
// to explore); OVSDB_DIFF_SEQUENCE=K runs only its K-th sequence, OVSDB_DIFF_TRANSACTIONS=N sets
// how many transactions the engine runs, and
// OVSDB_DIFF_CHECK_EACH=1 compares the whole databases after every transaction (to find the one
// after which they began to differ).
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as DatabaseSchema from "../src/protocol/DatabaseSchema.js"
import * as Listener from "../src/server/Listener.js"
import * as Server from "../src/server/Server.js"
import * as Differential from "./support/differential.js"
import * as MonitorDifferential from "./support/monitorDifferential.js"
import { OvsdbServer, readLog, runTool, SCHEMAS, tail } from "./support/OvsdbServer.js"

const TEST_SCHEMA = Path.join(import.meta.dirname, "fixtures", "differential.ovsschema")

const envNumber = (name: string): number | undefined => {
  const text = process.env[name]
  return text === undefined || text === "" ? undefined : Number(text)
}

/**
 * A fixed seed by default, so that a run of the suite asserts the same thing every time; any other
 * seed with OVSDB_DIFF_SEED=N, or a fresh one each run with OVSDB_DIFF_SEED=random, to explore.
 */
const SEED = process.env.OVSDB_DIFF_SEED === "random"
  ? Math.floor(Math.random() * 2 ** 31)
  : envNumber("OVSDB_DIFF_SEED") ?? 4
const SEQUENCE = envNumber("OVSDB_DIFF_SEQUENCE")
const TRANSACTIONS = envNumber("OVSDB_DIFF_TRANSACTIONS") ?? 10_000
/** How many monitor scenarios run on clustered servers (each about 20 transactions and 10 monitor calls). */
const CLUSTERED_SEQUENCES = envNumber("OVSDB_DIFF_CLUSTERED_SEQUENCES") ?? 15
/** How many monitor scenarios run on standalone servers (each about 30 transactions and 10 monitor calls). */
const MONITOR_SEQUENCES = envNumber("OVSDB_DIFF_MONITOR_SEQUENCES") ?? 30
/** How many transactions the two ovsdb-servers run (the check of the comparison itself). */
const SERVER_TRANSACTIONS = envNumber("OVSDB_DIFF_SERVER_TRANSACTIONS") ?? 2_000

/** A server serving Open_vSwitch, OVN_Northbound and the test schema's Differential database. */
const startServer = Effect.gen(function*() {
  const server = yield* OvsdbServer.start()
  const file = Path.join(server.dir, "Differential.db")
  yield* runTool("ovsdb-tool", ["create", file, TEST_SCHEMA])
  yield* runTool("ovs-appctl", ["-t", server.ctl, "ovsdb-server/add-db", file])
  return server
})

/**
 * An ovsdb-server whose Open_vSwitch and OVN_Northbound are one-member Raft clusters: ovsdb-server
 * keeps the transaction history that `monitor_cond_since` resumes from, and reports transaction
 * ids, only for clustered databases. (Not the Differential database: a clustered ovsdb-server 3.1
 * now and then leaves a transaction on it unanswered, or closes the connection.)
 */
const startClusteredServer = OvsdbServer.start({ clustered: true })

/**
 * The in-memory server, in this process, serving the same three databases on a unix socket in a
 * temporary directory (removed with the scope): a remote like ovsdb-server's for the monitor runs.
 */
const startInMemory = Effect.gen(function*() {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "ovsdb-mem-"))),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )
  const files = yield* Effect.forEach(
    [SCHEMAS.Open_vSwitch, SCHEMAS.OVN_Northbound, TEST_SCHEMA],
    Server.readSchemaFile
  )
  const server = yield* Server.make({ databases: files })
  const path = Path.join(dir, "db.sock")
  yield* Listener.listen(`punix:${path}`, { onConnection: (transport) => Effect.asVoid(server.serve(transport)) })
  return path
})

/** On a failure of the harness (a connection closed: a server died?), the servers' logs, then the failure. */
const withLogs =
  (servers: ReadonlyArray<{ readonly log: string; readonly pid: number }>) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    effect.pipe(
      Effect.tapError(() =>
        Effect.forEach(servers, (server) =>
          Effect.map(readLog(server.log), (log) =>
            console.log(`${server.log} (pid ${server.pid}):\n${tail(log)}`)))
      )
    )

const readSchema = (name: string, path: string) =>
  Differential.readSchemaJson(path).pipe(
    Effect.flatMap(DatabaseSchema.decode),
    Effect.map((schema) => ({ name, schema }))
  )

const databases = Effect.all([
  readSchema("Open_vSwitch", SCHEMAS.Open_vSwitch),
  readSchema("OVN_Northbound", SCHEMAS.OVN_Northbound),
  readSchema("Differential", TEST_SCHEMA)
])

/** The databases the clustered servers serve. */
const clusteredDatabases = Effect.map(databases, (all) => all.filter(({ name }) => name !== "Differential"))

const counts = (map: ReadonlyMap<string, number>) =>
  [...map].sort(([, a], [, b]) => b - a).map(([key, n]) => `${key} ${n}`).join(", ")

/** Runs the sequences on two targets, prints the summary and each kind of disagreement, and asserts none. */
const differential = (targets: readonly [Differential.Target, Differential.Target], transactions: number) =>
  Effect.gen(function*() {
    const started = Date.now()
    const stats = yield* Differential.run({
      seed: SEED,
      targets,
      databases: yield* databases,
      transactions: SEQUENCE === undefined ? transactions : Infinity,
      sequenceLength: 60,
      onlySequence: SEQUENCE,
      checkEach: process.env.OVSDB_DIFF_CHECK_EACH === "1"
    })
    const names = [targets[0].name, targets[1].name] as const
    const kinds = Differential.kindsOfDisagreement(stats.disagreements)
    for (const [kind, { count, smallest }] of kinds) {
      console.log(
        `differential: ${count} x ${kind}; the smallest:\n${Differential.describeDisagreement(smallest, names)}`
      )
    }
    console.log(
      `differential: ${stats.transactions} transactions, ${stats.failed} failed on purpose, ${stats.disagreements.length} disagreements`
    )
    console.log(
      `differential: ${names[0]} vs ${
        names[1]
      }: ${stats.generated} generated (${stats.onPurpose} with an invalid part), ${
        stats.transactions - stats.generated
      } dumps, ${stats.orderDependent} agreeing but for the row a multi-row change failed on, ${kinds.size} kinds of disagreement, ${
        Date.now() - started
      } ms; operations: ${counts(stats.operations)}; functions: ${counts(stats.functions)}; mutators: ${
        counts(stats.mutators)
      }; ${stats.changed} committed a change; errors: ${counts(stats.errors)}`
    )
    assert.strictEqual(
      stats.disagreements.length,
      0,
      [...kinds.values()].slice(0, 5).map(({ smallest }) => Differential.describeDisagreement(smallest, names)).join(
        "\n"
      )
    )
  })

/** What a monitor run is given: the harness's options, the seed aside (the suite's own). */
type MonitorRun = Omit<MonitorDifferential.MonitorRunOptions, "seed">

/** Runs the monitor scenarios on two remotes, prints what they covered and each disagreement, and asserts none. */
const monitorDifferential = (run: MonitorRun) =>
  Effect.gen(function*() {
    const started = Date.now()
    const stats = yield* MonitorDifferential.runMonitorDifferential({ seed: SEED, ...run })
    const names = [run.remotes[0].name, run.remotes[1].name] as const
    for (const disagreement of stats.disagreements.slice(0, 10)) {
      console.log(MonitorDifferential.describeMonitorDisagreement(disagreement, names))
    }
    console.log(
      `differential monitors: ${names[0]} vs ${
        names[1]
      }: ${stats.sequences} sequences, ${stats.transactions} transactions, ${stats.calls} monitor calls, notifications: ${
        counts(stats.notifications)
      }; monitor_cond_since found: ${counts(stats.found)}; ${stats.disagreements.length} disagreements, ${
        Date.now() - started
      } ms`
    )
    assert.strictEqual(
      stats.disagreements.length,
      0,
      stats.disagreements.slice(0, 3).map((d) => MonitorDifferential.describeMonitorDisagreement(d, names)).join("\n")
    )
    return stats
  })

describe("differential", () => {
  it.live("the comparison finds nothing between two ovsdb-servers", () =>
    Effect.gen(function*() {
      console.log(`differential: seed ${SEED}`)
      const [first, second] = yield* Effect.all([startServer, startServer], { concurrency: 2 })
      yield* differential([
        yield* Differential.serverTarget("ovsdb-server", first.unixPath),
        yield* Differential.serverTarget("second ovsdb-server", second.unixPath)
      ], SERVER_TRANSACTIONS).pipe(withLogs([first, second]))
    }), { timeout: 120_000 })

  it.live("monitors of every kind report the same updates on two ovsdb-servers", () =>
    Effect.gen(function*() {
      console.log(`differential: seed ${SEED}`)
      const [first, second] = yield* Effect.all([startServer, startServer], { concurrency: 2 })
      const stats = yield* monitorDifferential({
        remotes: [{ name: "ovsdb-server", path: first.unixPath }, {
          name: "second ovsdb-server",
          path: second.unixPath
        }],
        databases: yield* databases,
        sequences: MONITOR_SEQUENCES,
        sequenceLength: 24
      }).pipe(withLogs([first, second]))
      assert.isAbove(stats.notifications.get("update3") ?? 0, 0, "the monitors saw changes")
    }), { timeout: 120_000 })

  // ovsdb-server keeps the transaction history that monitor_cond_since resumes from only for
  // clustered databases: "found" needs clustered servers.
  it.live(
    "monitor_cond_since resumes from a transaction id alike on two clustered ovsdb-servers",
    () =>
      Effect.gen(function*() {
        console.log(`differential: seed ${SEED}`)
        const first = yield* startClusteredServer
        const second = yield* startClusteredServer
        const stats = yield* monitorDifferential({
          remotes: [{ name: "clustered ovsdb-server", path: first.unixPath }, {
            name: "second clustered ovsdb-server",
            path: second.unixPath
          }],
          databases: yield* clusteredDatabases,
          sequences: CLUSTERED_SEQUENCES,
          sequenceLength: 12,
          firstSequence: 1000
        }).pipe(withLogs([first, second]))
        assert.isAbove(stats.found.get("true") ?? 0, 0, "a monitor_cond_since was found")
      }),
    { timeout: 120_000 }
  )

  // The in-memory server keeps a transaction history for every database, as ovsdb-server does for
  // clustered ones only: a clustered ovsdb-server is the one to compare its monitors with, without
  // the transactions that race a weak reference against its target's deletion. Rows'
  // versions are left out of that comparison: a clustered ovsdb-server changes them otherwise than
  // a standalone one (seen between the two), and the engine's are compared with a standalone one.
  it.live(
    "monitors of every kind report the same updates on the in-memory server as on a clustered ovsdb-server",
    () =>
      Effect.gen(function*() {
        console.log(`differential: seed ${SEED}`)
        const server = yield* startClusteredServer
        const path = yield* startInMemory
        yield* monitorDifferential({
          remotes: [{ name: "clustered ovsdb-server", path: server.unixPath }, { name: "in-memory server", path }],
          databases: yield* clusteredDatabases,
          sequences: MONITOR_SEQUENCES,
          sequenceLength: 24,
          ignoreVersions: true,
          // The engine keeps a weak reference as a standalone ovsdb-server does (see the engine's
          // differential); a clustered one, replaying from its log, may not.
          weakRaces: false
        }).pipe(withLogs([server]))
      }),
    { timeout: 120_000 }
  )

  it.live("the engine gives ovsdb-server's replies to random transactions", () =>
    Effect.gen(function*() {
      console.log(`differential: seed ${SEED}`)
      const server = yield* startServer
      const schemas = (yield* databases).map(({ schema }) => schema)
      yield* differential([
        yield* Differential.serverTarget("ovsdb-server", server.unixPath),
        Differential.engineTarget("engine", schemas)
      ], TRANSACTIONS).pipe(withLogs([server]))
    }), { timeout: 180_000 })
})
