/**
 * The unixctl protocol that `ovs-appctl` speaks to a daemon's control socket — ovsdb-server,
 * ovs-vswitchd, ovn-northd — and typed results for the commands operators read.
 *
 * unixctl is JSON-RPC over a unix socket: the command is the method, its arguments are string
 * params, the result is one text string, and an error reply carries the daemon's message. Like
 * ovs-appctl, each call opens its own connection (over this library's Transport, Codec and
 * RpcClient) and closes it when the answer is in.
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Appctl } from "effect-ovsdb"
 *
 * const status = Appctl.clusterStatus("OVN_Northbound").pipe(
 *   Effect.provide(Appctl.layer({ target: "ovnnb_db", runDir: "/var/run/ovn" }))
 * )
 * ```
 *
 * A target is found the way ovs-appctl finds it: an absolute path is the socket itself; a name is
 * a daemon in the run directory, whose socket is `NAME.PID.ctl` (the pid read from `NAME.pid`) or,
 * failing that, `NAME.ctl`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import * as Util from "node:util"
import * as Parsers from "./appctl/Parsers.js"
import * as Codec from "./Codec.js"
import { AppctlError } from "./Errors.js"
import type { AppctlParseError } from "./Errors.js"
import { show as showJson } from "./Json.js"
import * as RpcClient from "./RpcClient.js"
import * as Transport from "./Transport.js"

/**
 * Where the control socket is and how long to wait for an answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** A socket path (absolute), or a daemon name looked up in `runDir` (`ovsdb-server`, `ovnnb_db`, …). */
  readonly target: string
  /** Where daemons keep their pid files and sockets. Default: `$OVS_RUNDIR`, else `/var/run/openvswitch`. */
  readonly runDir?: string | undefined
  /** How long a command may take. Default: 5 seconds, like ovs-appctl's. */
  readonly timeout?: Duration.Input | undefined
}

/**
 * The service: commands to one daemon's control socket.
 *
 * @since 0.1.0
 * @category services
 */
export class Appctl extends Context.Service<Appctl, {
  /** The control socket's path. */
  readonly socket: string
  /** Runs any command with string arguments; succeeds with its text output. */
  readonly call: (command: string, args?: ReadonlyArray<string>) => Effect.Effect<string, AppctlError>
}>()("effect-ovsdb/Appctl") {}

const DEFAULT_RUN_DIR = "/var/run/openvswitch"

let systemErrors: ReadonlyMap<string, string> | undefined

/** The C library's words for an errno name, as the OVS tools print them (`ENOENT`: "No such file or directory"). */
const strerror = (code: string): string => {
  systemErrors ??= new Map([...Util.getSystemErrorMap().values()].map(([name, message]) => [name, message]))
  const message = systemErrors.get(code)
  return message === undefined ? code : message.charAt(0).toUpperCase() + message.slice(1)
}

const errnoOf = (cause: unknown): string | undefined => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined
  return typeof code === "string" ? code : undefined
}

const isSocket = (path: string) => Fs.stat(path).then((stat) => stat.isSocket(), () => false)

/** Whether a process runs under this pid (`ESRCH` is the only no). */
const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (cause) {
    return errnoOf(cause) !== "ESRCH"
  }
}

/**
 * Finds a target's control socket as ovs-appctl does: an absolute path is the socket; a name is
 * `NAME.PID.ctl` in the run directory, the pid read from `NAME.pid`. Where that is not a socket
 * but `NAME.ctl` is (the name `ovn-ctl` gives its daemons' sockets), it is `NAME.ctl`. Otherwise a
 * missing pid file, or one naming no running process, fails with `NotFound`, worded as
 * ovs-appctl words it: `cannot read pidfile "…/NAME.pid" (No such file or directory)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolveTarget = (target: string, runDir?: string): Effect.Effect<string, AppctlError> => {
  if (Path.isAbsolute(target)) return Effect.succeed(target)
  const dir = runDir ?? process.env.OVS_RUNDIR ?? DEFAULT_RUN_DIR
  const pidFile = Path.join(dir, `${target}.pid`)
  const fallback = Path.join(dir, `${target}.ctl`)
  const find = async (): Promise<{ readonly socket: string } | { readonly errno: string }> => {
    const read = await Fs.readFile(pidFile, "utf8").then(
      (text) => ({ pid: text.trim() }),
      (cause: unknown) => ({ errno: errnoOf(cause) ?? String(cause) })
    )
    // A pid naming no running process reads as no pid file, as ovs-appctl reads it.
    const pid = "pid" in read && /^\d+$/.test(read.pid) && !isRunning(Number(read.pid)) ? { errno: "ESRCH" } : read
    if ("pid" in pid) {
      const socket = Path.join(dir, `${target}.${pid.pid}.ctl`)
      return !(await isSocket(socket)) && (await isSocket(fallback)) ? { socket: fallback } : { socket }
    }
    return (await isSocket(fallback)) ? { socket: fallback } : pid
  }
  return Effect.flatMap(Effect.promise(find), (found) =>
    "socket" in found
      ? Effect.succeed(found.socket)
      : Effect.fail(
        new AppctlError({
          target,
          command: "",
          reason: "NotFound",
          detail: `cannot read pidfile "${pidFile}" (${strerror(found.errno)})`
        })
      ))
}

/**
 * Makes the service for a target.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Appctl["Service"], AppctlError> =>
  Effect.map(resolveTarget(options.target, options.runDir), (socket) => {
    const timeout = options.timeout ?? "5 seconds"
    const call = (command: string, args: ReadonlyArray<string> = []) => {
      const fail = (reason: AppctlError["reason"], detail: string) =>
        new AppctlError({ target: options.target, command, reason, detail })
      return RpcClient.RpcClient.use((rpc) => rpc.call(command, args, { timeout })).pipe(
        Effect.provide(
          RpcClient.layer().pipe(
            Layer.provide(Codec.layer()),
            Layer.provide(Transport.layer({ remote: `unix:${socket}`, connectTimeout: timeout }))
          )
        ),
        Effect.flatMap((result) =>
          typeof result === "string"
            ? Effect.succeed(result)
            : Effect.fail(fail("Error", `expected text, got ${showJson(result)}`))
        ),
        Effect.catchTags({
          RpcError: (error) => Effect.fail(fail("Error", error.error.trimEnd())),
          RpcTimeout: (error) => Effect.fail(fail("Timeout", error.message)),
          ConnectionClosed: (error) => Effect.fail(fail("Connect", error.message)),
          // As ovs-appctl words it: cannot connect to "/run/x.ctl" (No such file or directory).
          TransportError: (error) => {
            const code = errnoOf(error.cause) ?? /\bE[A-Z]+\b/.exec(error.detail)?.[0]
            return Effect.fail(
              fail("Connect", `cannot connect to "${socket}" (${code === undefined ? error.detail : strerror(code)})`)
            )
          },
          RemoteParseError: (error) => Effect.fail(fail("NotFound", error.message))
        }),
        Effect.withSpan("Appctl.call", { attributes: { command } }, { captureStackTrace: false })
      )
    }
    return Appctl.of({ socket, call })
  })

/**
 * A layer for one daemon's control socket.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Appctl, AppctlError> => Layer.effect(Appctl, make(options))

/** Runs a command and reads its output with `parse`. */
const typed = <A>(
  command: string,
  args: ReadonlyArray<string>,
  parse: (text: string) => Effect.Effect<A, AppctlParseError>
) => Appctl.use((appctl) => Effect.flatMap(appctl.call(command, args), parse))

/**
 * `list-commands`: every command the daemon accepts, with its argument synopsis.
 *
 * @since 0.1.0
 * @category commands
 */
export const listCommands = typed("list-commands", [], Parsers.listCommands)

/**
 * `coverage/show`: every counter with its rates over the last 5 seconds, minute and hour, its
 * total, and how many counters were never hit.
 *
 * @since 0.1.0
 * @category commands
 */
export const coverageShow = typed("coverage/show", [], Parsers.coverageShow)

/**
 * `memory/show`: the daemon's memory figures (`atoms`, `cells`, `monitors`, …) by name.
 *
 * @since 0.1.0
 * @category commands
 */
export const memoryShow = typed("memory/show", [], Parsers.memoryShow)

/**
 * `version`: the daemon's program and version.
 *
 * @since 0.1.0
 * @category commands
 */
export const version = typed("version", [], Parsers.version)

/**
 * `ovsdb-server/list-dbs`: the databases ovsdb-server serves.
 *
 * @since 0.1.0
 * @category commands
 */
export const listDbs = typed("ovsdb-server/list-dbs", [], Parsers.lines("ovsdb-server/list-dbs"))

/**
 * `ovsdb-server/list-remotes`: the remotes ovsdb-server listens on or connects to.
 *
 * @since 0.1.0
 * @category commands
 */
export const listRemotes = typed("ovsdb-server/list-remotes", [], Parsers.lines("ovsdb-server/list-remotes"))

/**
 * `cluster/cid DB`: the cluster's id.
 *
 * @since 0.1.0
 * @category commands
 */
export const clusterCid = (database: string) => typed("cluster/cid", [database], Parsers.uuid("cluster/cid"))

/**
 * `cluster/sid DB`: this server's id in the cluster.
 *
 * @since 0.1.0
 * @category commands
 */
export const clusterSid = (database: string) => typed("cluster/sid", [database], Parsers.uuid("cluster/sid"))

/**
 * `vlog/list`: each logging module's level for each destination.
 *
 * @since 0.1.0
 * @category commands
 */
export const vlogList = typed("vlog/list", [], Parsers.vlogList)

/**
 * `cluster/status DB`: this member's view of the Raft cluster — role, term, leader, vote, last
 * election, log, connections and every server.
 *
 * @since 0.1.0
 * @category commands
 */
export const clusterStatus = (database: string) => typed("cluster/status", [database], Parsers.clusterStatus)
