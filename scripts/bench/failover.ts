/**
 * The failover benchmark: how long after a `kill -9` of a cluster's leader a client is monitoring
 * on the new leader, for the resilient session (`Ovsdb.layer` over the cluster's remote list, a
 * `monitor_cond` on `Logical_Switch` names open) and for the Open vSwitch Python IDL (leader-only,
 * its default, in a child process), both connected to the same 3-member cluster at once.
 *
 * Each round kills the leader the two clients are on, waits for the cluster to agree on a new one,
 * and inserts a probe switch there over a plain connection of its own. A client's failover time
 * is from the kill to the moment its monitor shows the probe, on the new leader: our monitor's
 * stream yielding it, in this process; the Python IDL's line about it arriving on its stdout (it
 * flushes each line). Both pay the same election, and the same probe; the time the probe took to
 * commit is the floor of both figures, and is reported too. Before each kill, a sync switch
 * inserted on the leader must reach both clients through the leader, so that both start each
 * round monitoring it, after both have stayed connected longer than either's longest backoff (as a
 * long-lived client has, so that each has started its backoff over); after each round the killed
 * member is started again.
 */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as ChildProcess from "node:child_process"
import { fileURLToPath } from "node:url"
import * as Ovsdb from "../../src/Ovsdb.js"
import * as Op from "../../src/protocol/Operation.js"
import * as Session from "../../src/Session.js"
import type { Cluster } from "../../test/support/OvsdbCluster.js"
import { SCHEMAS } from "../../test/support/OvsdbServer.js"
import { median } from "./measure.js"

/** The failover benchmark's figures: medians over the rounds, in milliseconds from the kill. */
export interface FailoverReport {
  readonly rounds: number
  /** The resilient session's monitor showing the probe. */
  readonly oursMillis: number
  /** The Python IDL's replica showing the probe. */
  readonly pythonIdlMillis: number
  /** The probe's transaction committed on the new leader: the floor of both figures. */
  readonly probeMillis: number
  /** The fastest and slowest rounds of each client. */
  readonly oursRange: readonly [number, number]
  readonly pythonIdlRange: readonly [number, number]
  /** Our failover time over the Python IDL's (<= 1 is the target). */
  readonly ratio: number
}

/** Why the benchmark could not measure a round. */
export class FailoverError extends Data.TaggedError("FailoverError")<{ readonly message: string }> {}

const DATABASE = "OVN_Northbound"
const TABLE = "Logical_Switch"
/** How long any one wait of a round may take. */
const WAIT_MS = 30_000
/**
 * How long both clients stay connected to the leader before it is killed, with traffic at the end
 * (the sync switch): longer than either's longest backoff (8 s), so that each has started its
 * backoff over, as a long-lived client has. OVS starts it over after a connection whose last
 * activity came at least the last backoff after it connected; this client after a connection that
 * lived at least that long.
 */
const SETTLE_MS = 9_000

/** When (performance.now()) a client first showed a switch, and the member it was connected to. */
interface Sighting {
  readonly at: number
  readonly remote: string
}

/** The switch names a client has shown, and waits for the next ones; ends for good when the client does. */
const makeSightings = (client: string) => {
  const seen = new Map<string, Sighting>()
  const waiting = new Map<string, Set<(sighting: Sighting | FailoverError) => void>>()
  let ended: FailoverError | undefined
  const notify = (name: string, outcome: Sighting | FailoverError) => {
    const waiters = waiting.get(name)
    waiting.delete(name)
    waiters?.forEach((wake) => wake(outcome))
  }
  return {
    client,
    see: (name: string, sighting: Sighting) => {
      if (seen.has(name)) return
      seen.set(name, sighting)
      notify(name, sighting)
    },
    end: (reason: string) => {
      if (ended !== undefined) return
      ended = new FailoverError({ message: `${client} ended: ${reason}` })
      for (const name of [...waiting.keys()]) notify(name, ended)
    },
    /** The sighting of `name`, waiting for it at most WAIT_MS. */
    wait: (name: string): Effect.Effect<Sighting, FailoverError> =>
      Effect.callback<Sighting, FailoverError>((resume) => {
        const done = (outcome: Sighting | FailoverError) =>
          resume(outcome instanceof FailoverError ? Effect.fail(outcome) : Effect.succeed(outcome))
        const now = seen.get(name) ?? ended
        if (now !== undefined) return done(now)
        const waiters = waiting.get(name) ?? new Set()
        waiting.set(name, waiters.add(done))
        return Effect.sync(() => waiters.delete(done))
      }).pipe(
        Effect.timeoutOrElse({
          duration: WAIT_MS,
          orElse: () =>
            Effect.fail(
              new FailoverError({ message: `${client} did not show switch ${name} within ${WAIT_MS / 1000} s` })
            )
        })
      )
  }
}

type Sightings = ReturnType<typeof makeSightings>

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/** Records every switch name the rows show, with the session's remote at that moment. */
const sightRows = (sightings: Sightings, session: Session.Session["Service"], event: Ovsdb.MonitorEvent) => {
  const at = performance.now()
  return Effect.map(session.status, (status) => {
    for (const change of event.changes) {
      const name = change._tag === "Delete" ? undefined : change.row?.name
      if (typeof name === "string") sightings.see(name, { at, remote: status.remote ?? "" })
    }
  })
}

/** Our client: the resilient session over the whole remote list, with a monitor on switch names. */
const startOurs = (cluster: Cluster) =>
  Effect.gen(function*() {
    const sightings = makeSightings("effect-ovsdb")
    const ovsdb = yield* Ovsdb.Ovsdb
    const session = yield* Session.Session
    const live = yield* ovsdb.monitorCond(DATABASE, { [TABLE]: { columns: ["name"] } })
    yield* sightRows(sightings, session, { _tag: "Update", changes: live.initial })
    yield* live.updates.pipe(
      Stream.runForEach((event) => sightRows(sightings, session, event)),
      Effect.onExit((exit) =>
        Effect.sync(() =>
          sightings.end(`its monitor ended${Exit.isSuccess(exit) ? "" : `: ${Cause.pretty(exit.cause)}`}`)
        )
      ),
      Effect.forkScoped
    )
    return { sightings, session }
  }).pipe(
    Effect.mapError((error) =>
      new FailoverError({ message: `effect-ovsdb could not monitor ${cluster.unix}: ${error}` })
    )
  )

/**
 * The Python IDL in a child process, its lines timestamped as they arrive; stopped by its pid
 * when the scope closes.
 */
const startPythonIdl = (cluster: Cluster) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const sightings = makeSightings("the Python IDL")
      // The scripts' source folder holds the Python side; Debian's python3 has the IDL package.
      const child = ChildProcess.spawn(
        "/usr/bin/python3",
        [here("../../../scripts/bench/python-idl-failover.py"), cluster.unix, SCHEMAS[DATABASE]],
        { stdio: ["ignore", "pipe", "pipe"] }
      )
      let stderr = ""
      let pending = ""
      child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr = (stderr + text).slice(-4096)))
      child.stdout.setEncoding("utf8").on("data", (text: string) => {
        const at = performance.now()
        const lines = (pending + text).split("\n")
        pending = lines.pop() ?? ""
        for (const line of lines) {
          const [word, name, remote] = line.split(" ")
          if (word === "seen" && name !== undefined && remote !== undefined) sightings.see(name, { at, remote })
        }
      })
      child.once("error", (error) => sightings.end(error.message))
      child.once("exit", (code, signal) => sightings.end(`exited (${code ?? signal}): ${stderr.trim()}`))
      return { child, sightings }
    }),
    ({ child }) =>
      Effect.callback<void>((resume) => {
        if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
        child.once("exit", () => resume(Effect.void))
        process.kill(child.pid, "SIGKILL")
      })
  )

/** Inserts switch `name` through a plain connection of its own to member `i`. */
const insertSwitch = (cluster: Cluster, i: number, name: string) =>
  Ovsdb.Ovsdb.use((ovsdb) => ovsdb.transact(DATABASE, Op.insert(TABLE, { name }))).pipe(
    Effect.provide(Ovsdb.layerConnection({ remote: cluster.members[i]!.unix })),
    Effect.timeoutOrElse({
      duration: WAIT_MS,
      orElse: () => Effect.fail(`no answer within ${WAIT_MS / 1000} s`)
    }),
    Effect.mapError((error) =>
      new FailoverError({ message: `inserting switch ${name} on ${cluster.members[i]!.name}: ${error}` })
    )
  )

/** Both clients' sighting of `name`, which each must have had through member `i`. */
const bothSee = (clients: ReadonlyArray<Sightings>, cluster: Cluster, i: number, name: string) =>
  Effect.forEach(
    clients,
    (sightings) =>
      Effect.flatMap(sightings.wait(name), (sighting) =>
        sighting.remote === cluster.members[i]!.unix
          ? Effect.succeed(sighting.at)
          : Effect.fail(
            new FailoverError({
              message: `${sightings.client} showed switch ${name} through ${sighting.remote}, ` +
                `not through the leader ${cluster.members[i]!.unix}`
            })
          )),
    { concurrency: "unbounded" }
  )

/** Runs `rounds` leader kills against both clients on `cluster` (3 members, `OVN_Northbound`). */
export const benchFailover = (cluster: Cluster, options?: { readonly rounds?: number }) =>
  Effect.gen(function*() {
    const rounds = options?.rounds ?? 5
    const ours = yield* startOurs(cluster)
    const python = yield* startPythonIdl(cluster)
    const clients = [ours.sightings, python.sightings]
    const figures: Array<{ readonly ours: number; readonly python: number; readonly probe: number }> = []
    const first = yield* cluster.leader
    yield* insertSwitch(cluster, first, "failover-start")
    // Both clients were connected to the leader by then.
    let connected = Math.max(...yield* bothSee(clients, cluster, first, "failover-start"))
    for (let round = 0; round < rounds; round++) {
      const leader = yield* cluster.leader
      yield* Effect.sleep(Math.max(0, connected + SETTLE_MS - performance.now()))
      // Both clients monitor the leader, and have had traffic from it, before it is killed.
      yield* insertSwitch(cluster, leader, `failover-sync-${round}`)
      yield* bothSee(clients, cluster, leader, `failover-sync-${round}`)
      const killed = performance.now()
      yield* cluster.kill(leader)
      const next = yield* cluster.leader
      yield* insertSwitch(cluster, next, `failover-probe-${round}`)
      const probe = performance.now() - killed
      const [oursAt, pythonAt] = yield* bothSee(clients, cluster, next, `failover-probe-${round}`)
      figures.push({ ours: oursAt! - killed, python: pythonAt! - killed, probe })
      connected = Math.max(oursAt!, pythonAt!)
      yield* cluster.restart(leader)
    }
    const reconnects = (yield* ours.session.status).reconnects
    if (reconnects < rounds) {
      return yield* new FailoverError({ message: `effect-ovsdb reconnected ${reconnects} times in ${rounds} rounds` })
    }
    const ourFigures = figures.map((f) => f.ours)
    const pythonFigures = figures.map((f) => f.python)
    const oursMillis = median(ourFigures)
    const pythonIdlMillis = median(pythonFigures)
    return {
      rounds,
      oursMillis,
      pythonIdlMillis,
      probeMillis: median(figures.map((f) => f.probe)),
      oursRange: [Math.min(...ourFigures), Math.max(...ourFigures)],
      pythonIdlRange: [Math.min(...pythonFigures), Math.max(...pythonFigures)],
      ratio: oursMillis / pythonIdlMillis
    } satisfies FailoverReport
  }).pipe(
    // The clients stop (the monitor canceled, the Python IDL killed) before the session does.
    Effect.scoped,
    Effect.provide(Layer.orDie(Ovsdb.layer({ remote: cluster.unix, database: DATABASE }))),
    Effect.mapError((error) =>
      error._tag === "FailoverError" ? error : new FailoverError({ message: `the cluster: ${error.message}` })
    )
  )
