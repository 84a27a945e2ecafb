/**
 * A real Raft cluster of `ovsdb-server` processes for tests: one database, several members, each a
 * child process with its own database file, unix socket, loopback TCP port, unixctl socket and log,
 * all in one temp dir.
 *
 * `OvsdbCluster.start(options)` is a scoped program. It creates the first member's file with
 * `ovsdb-tool create-cluster` and the others' with `ovsdb-tool join-cluster`, starts every member,
 * and succeeds once each reports itself a cluster member that lists every server and all agree on
 * one leader (read with `ovs-appctl cluster/status`). Closing the scope stops every member by its
 * pid and removes the directory.
 *
 * Members are numbered from 0; member `i` is named `s{i+1}`, and its files are `s{i+1}.db`,
 * `.sock`, `.ctl`, `.log` (and `.raft`, its Raft socket, with `raft: "unix"`). OVS calls a server
 * with a unix Raft address by its socket's name, so with `raft: "unix"` member 0 is `s1` in
 * `cluster/status`; with `raft: "tcp"` it is the first four hex digits of its server id.
 *
 * ```ts
 * it.live("a follower takes over", () =>
 *   Effect.gen(function*() {
 *     const cluster = yield* OvsdbCluster.start({ raft: "tcp" })
 *     const first = yield* cluster.leader
 *     yield* cluster.kill(first)
 *     const second = yield* cluster.leader   // waits for the election
 *     yield* cluster.restart(first)          // same files, sockets and TCP port
 *   }))
 *
 * // or one cluster for a whole block:
 * layer(OvsdbCluster.layer())("…", (it) => { it.effect("…", () => OvsdbCluster.use((cluster) => …)) })
 * ```
 *
 * All waiting is bounded polling in real time, so a test running under `TestClock` cannot stall it.
 */
import { Context, Effect, Exit, Layer, Scope } from "effect"
import type * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import type { DatabaseName } from "./OvsdbServer.js"
import {
  accepts,
  attempt,
  FixtureError,
  freePort,
  MAX_SOCKET_PATH_BYTES,
  pause,
  readLog,
  requireProgram,
  runTool,
  runToolResult,
  SCHEMAS,
  spawnServer,
  STARTUP_TIMEOUT_MS,
  tail
} from "./OvsdbServer.js"

/** What a test may ask of the cluster. */
export interface ClusterOptions {
  /** The clustered database; default `OVN_Northbound`. */
  readonly database?: DatabaseName
  /** How many members; default 3. */
  readonly members?: number
  /** The members' Raft addresses: `unix:DIR/sN.raft` (default) or `tcp:127.0.0.1:PORT`. */
  readonly raft?: "unix" | "tcp"
}

/** One member of the cluster: its remotes, files and process. */
export interface Member {
  /** Its position in `Cluster.members`, from 0. */
  readonly index: number
  /** `s1`, `s2`, …: the stem of its file names. */
  readonly name: string
  /** Its database file. */
  readonly file: string
  /** Its Raft address, as given to `ovsdb-tool`. */
  readonly raftAddress: string
  /** Its server id (the full UUID), as `ovsdb-tool db-sid` reads it from its file. */
  readonly sid: string
  /** Its database unix socket's path. */
  readonly unixPath: string
  /** `unix:PATH` */
  readonly unix: string
  /** Its loopback TCP port; a restarted member listens on the same one. */
  readonly tcpPort: number
  /** `tcp:127.0.0.1:PORT` */
  readonly tcp: string
  /** Its unixctl socket, for `ovs-appctl -t`. */
  readonly ctl: string
  /** Its log file (a restarted member appends to it). */
  readonly log: string
  /** The process id of its current (or, once killed, its last) `ovsdb-server`. */
  readonly pid: number
  /** Whether its `ovsdb-server` is running (false between `kill` and `restart`). */
  readonly running: boolean
}

/** A running cluster. */
export interface Cluster {
  /** The temp dir holding every member's files and sockets. */
  readonly dir: string
  readonly database: DatabaseName
  readonly raft: "unix" | "tcp"
  readonly members: ReadonlyArray<Member>
  /** Every member's unix socket, as one remote list (`unix:A,unix:B,…`). */
  readonly unix: string
  /** Every member's TCP port, as one remote list (`tcp:127.0.0.1:A,…`). */
  readonly tcp: string
  /** Member `i`'s `cluster/status` as `ovs-appctl` prints it. */
  readonly status: (i: number) => Effect.Effect<string, FixtureError>
  /** Kills member `i` with SIGKILL (by its pid) and waits until it has exited. */
  readonly kill: (i: number) => Effect.Effect<void, FixtureError>
  /**
   * Starts a killed member `i` again on the same files, sockets and TCP port, and waits until its
   * sockets accept. It does not wait for an election: `leader` does.
   */
  readonly restart: (i: number) => Effect.Effect<void, FixtureError>
  /**
   * Which running member is leader now: waits (up to 30 s) until exactly one running member says
   * it leads and every other running member names it as its leader.
   */
  readonly leader: Effect.Effect<number, FixtureError>
}

const CLUSTER_TIMEOUT_MS = 30_000
const POLL_MS = 50

/** A member's process, while it runs. */
interface Run {
  readonly scope: Scope.Closeable
  readonly child: ChildProcess.ChildProcess
  readonly stderr: () => string
}

/** A member's fixed facts, and its current process. */
interface State extends Omit<Member, "pid" | "running" | "tcpPort" | "tcp"> {
  tcpPort: number
  tcp: string
  run: Run | undefined
  lastPid: number
}

/** What the fixture reads of `cluster/status`: just enough to know who leads. */
interface View {
  /** The first line: the nickname OVS calls this server by. */
  readonly nickname: string
  readonly status: string
  readonly role: string
  /** "self", "unknown" or the leader's nickname. */
  readonly leader: string
  /** How many servers the `Servers:` list names. */
  readonly servers: number
}

const readView = (text: string): View => {
  const lines = text.split("\n")
  const field = (key: string) => lines.find((line) => line.startsWith(`${key}: `))?.slice(key.length + 2) ?? ""
  const serversAt = lines.indexOf("Servers:")
  return {
    nickname: lines[0] ?? "",
    status: field("Status"),
    role: field("Role"),
    leader: field("Leader"),
    servers: serversAt === -1 ? 0 : lines.slice(serversAt + 1).filter((line) => line.trim() !== "").length
  }
}

/** The index of the one member that leads and that every other one names, if there is one. */
const agreedLeader = (views: ReadonlyArray<readonly [number, View]>): number | undefined => {
  const leaders = views.filter(([, view]) => view.role === "leader" && view.leader === "self")
  if (leaders.length !== 1) return undefined
  const [index, leader] = leaders[0]!
  return views.every(([i, view]) => i === index || view.leader === leader.nickname) ? index : undefined
}

const exited = (child: ChildProcess.ChildProcess) => child.exitCode !== null || child.signalCode !== null

/** The port `--remote=ptcp:0:127.0.0.1` bound (the Raft listener logs a line too, under its own port). */
const databasePort = (log: string) => {
  const match = /\|socket_util\|INFO\|0:127\.0\.0\.1: listening on port (\d+)$/m.exec(log)
  return match === null ? undefined : Number(match[1])
}

const start = Effect.fn("OvsdbCluster.start")(function*(options?: ClusterOptions) {
  yield* requireProgram("ovsdb-server")
  const database = options?.database ?? "OVN_Northbound"
  const count = options?.members ?? 3
  const raft = options?.raft ?? "unix"
  if (!Number.isInteger(count) || count < 1) {
    return yield* new FixtureError({ message: `a cluster needs at least one member, not ${count}` })
  }
  if (!Fs.existsSync(SCHEMAS[database])) {
    return yield* new FixtureError({ message: `schema ${SCHEMAS[database]} for ${database} not found` })
  }
  const dir = yield* Effect.acquireRelease(
    attempt("creating a temp dir", () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "ovsdb-cluster-"))),
    (dir) => Effect.promise(() => Fs.promises.rm(dir, { recursive: true, force: true }))
  )
  // Closed before the directory is removed (finalizers run in reverse): every member stops first.
  const processes = yield* Scope.fork(yield* Scope.Scope, "parallel")

  const raftPorts = raft === "tcp" ? yield* Effect.forEach(Array.from({ length: count }), () => freePort) : []
  const states: Array<State> = []
  for (let index = 0; index < count; index++) {
    const name = `s${index + 1}`
    const file = Path.join(dir, `${name}.db`)
    const unixPath = Path.join(dir, `${name}.sock`)
    const ctl = Path.join(dir, `${name}.ctl`)
    const raftSocket = Path.join(dir, `${name}.raft`)
    for (const socket of [unixPath, ctl, ...(raft === "unix" ? [raftSocket] : [])]) {
      if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) {
        return yield* new FixtureError({
          message:
            `socket path ${socket} is longer than ${MAX_SOCKET_PATH_BYTES} bytes: set TMPDIR to a shorter directory`
        })
      }
    }
    const raftAddress = raft === "unix" ? `unix:${raftSocket}` : `tcp:127.0.0.1:${raftPorts[index]}`
    yield* runTool(
      "ovsdb-tool",
      index === 0
        ? ["create-cluster", file, SCHEMAS[database], raftAddress]
        : ["join-cluster", file, database, raftAddress, states[0]!.raftAddress]
    )
    const sid = (yield* runTool("ovsdb-tool", ["db-sid", file])).trim()
    states.push({
      index,
      name,
      file,
      raftAddress,
      sid,
      unixPath,
      unix: `unix:${unixPath}`,
      tcpPort: 0,
      tcp: "",
      ctl,
      log: Path.join(dir, `${name}.log`),
      run: undefined,
      lastPid: 0
    })
  }

  const member = (i: number) =>
    i >= 0 && i < states.length && Number.isInteger(i)
      ? Effect.succeed(states[i]!)
      : Effect.fail(new FixtureError({ message: `no member ${i} in a cluster of ${states.length}` }))

  /** Starts a member's process (on `port`, or on a port the kernel picks) and waits until its sockets accept. */
  const launch = (state: State, port: number) =>
    Effect.gen(function*() {
      const logStart = (yield* readLog(state.log)).length
      const scope = yield* Scope.fork(processes, "sequential")
      const server = yield* spawnServer([
        "--no-chdir",
        "-vconsole:off",
        "-vfile:info",
        `--log-file=${state.log}`,
        `--pidfile=${Path.join(dir, `${state.name}.pid`)}`,
        `--unixctl=${state.ctl}`,
        `--remote=punix:${state.unixPath}`,
        `--remote=ptcp:${port}:127.0.0.1`,
        state.file
      ]).pipe(Scope.provide(scope))
      state.run = { scope, ...server }
      state.lastPid = server.child.pid ?? 0
      const deadline = Date.now() + STARTUP_TIMEOUT_MS
      while (true) {
        const log = (yield* readLog(state.log)).slice(logStart)
        const bound = port === 0 ? databasePort(log) : port
        if (
          !exited(server.child) && bound !== undefined && (yield* accepts({ path: state.unixPath })) &&
          (yield* accepts({ path: state.ctl })) && (yield* accepts({ host: "127.0.0.1", port: bound }))
        ) return bound
        if (exited(server.child) || Date.now() > deadline) {
          const why = exited(server.child)
            ? `exited (${server.child.exitCode ?? server.child.signalCode})`
            : `did not start within ${STARTUP_TIMEOUT_MS / 1000} s`
          const output = [tail(log), tail(server.stderr())].filter((text) => text !== "").join("\n")
          return yield* new FixtureError({ message: `${state.name}: ovsdb-server ${why}:\n${output || "(no log)"}` })
        }
        yield* pause(10)
      }
    })

  const status = (i: number) =>
    Effect.flatMap(
      member(i),
      (state) => runTool("ovs-appctl", ["--timeout=5", "-t", state.ctl, "cluster/status", database])
    )

  /** Every running member's view, or the reason one could not be read. */
  const views = Effect.suspend(() =>
    Effect.forEach(
      states.filter((state) => state.run !== undefined),
      (state) =>
        runToolResult("ovs-appctl", ["--timeout=5", "-t", state.ctl, "cluster/status", database]).pipe(
          Effect.map((result) => [state.index, result] as const)
        ),
      { concurrency: "unbounded" }
    )
  )

  /** Polls the running members' views until `decide` answers; fails with every view after 30 s. */
  const waitFor = <A>(what: string, decide: (views: ReadonlyArray<readonly [number, View]>) => A | undefined) =>
    Effect.gen(function*() {
      const deadline = Date.now() + CLUSTER_TIMEOUT_MS
      while (true) {
        const results = yield* views
        const read = results.flatMap(([i, result]) => result.code === 0 ? [[i, readView(result.stdout)] as const] : [])
        const answer = read.length === results.length ? decide(read) : undefined
        if (answer !== undefined) return answer
        if (Date.now() > deadline) {
          const report = results.map(([i, result]) =>
            `${states[i]!.name}: ${result.code === 0 ? result.stdout.trimEnd() : result.stderr.trim()}`
          )
          return yield* new FixtureError({
            message: `${what} within ${CLUSTER_TIMEOUT_MS / 1000} s:\n${report.join("\n")}`
          })
        }
        yield* pause(POLL_MS)
      }
    })

  const leader = waitFor("no agreed leader", agreedLeader)

  const kill = (i: number) =>
    Effect.gen(function*() {
      const state = yield* member(i)
      const run = state.run
      if (run === undefined) return yield* new FixtureError({ message: `${state.name} is not running` })
      yield* Effect.callback<void>((resume) => {
        if (exited(run.child)) return resume(Effect.void)
        run.child.once("exit", () => resume(Effect.void))
        process.kill(state.lastPid, "SIGKILL")
      })
      state.run = undefined
      yield* Scope.close(run.scope, Exit.void)
    })

  const restart = (i: number) =>
    Effect.gen(function*() {
      const state = yield* member(i)
      if (state.run !== undefined) return yield* new FixtureError({ message: `${state.name} is already running` })
      yield* launch(state, state.tcpPort)
    })

  const ports = yield* Effect.forEach(states, (state) => launch(state, 0), { concurrency: "unbounded" })
  states.forEach((state, i) => {
    state.tcpPort = ports[i]!
    state.tcp = `tcp:127.0.0.1:${ports[i]}`
  })
  yield* waitFor(
    "the members did not all join and elect a leader",
    (read) =>
      read.every(([, view]) => view.status === "cluster member" && view.servers === count)
        ? agreedLeader(read)
        : undefined
  )

  const members: ReadonlyArray<Member> = states.map((state) => ({
    index: state.index,
    name: state.name,
    file: state.file,
    raftAddress: state.raftAddress,
    sid: state.sid,
    unixPath: state.unixPath,
    unix: state.unix,
    tcpPort: state.tcpPort,
    tcp: state.tcp,
    ctl: state.ctl,
    log: state.log,
    get pid() {
      return state.lastPid
    },
    get running() {
      return state.run !== undefined
    }
  }))
  return {
    dir,
    database,
    raft,
    members,
    unix: members.map((m) => m.unix).join(","),
    tcp: members.map((m) => m.tcp).join(","),
    status,
    kill,
    restart,
    leader
  } satisfies Cluster
})

/** A running cluster as a service: `OvsdbCluster.start` in a test, `OvsdbCluster.layer` for a `layer(...)` block. */
export class OvsdbCluster extends Context.Service<OvsdbCluster, Cluster>()("test/OvsdbCluster") {
  /** Starts a cluster in the current scope. */
  static readonly start: (options?: ClusterOptions) => Effect.Effect<Cluster, FixtureError, Scope.Scope> = start
  /** A layer holding one cluster for as long as the layer lives. */
  static readonly layer = (options?: ClusterOptions): Layer.Layer<OvsdbCluster, FixtureError> =>
    Layer.effect(OvsdbCluster, start(options))
}
