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
import type { Duration } from "effect"
import { Context, Effect, Layer } from "effect"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
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

/**
 * Finds a target's control socket as ovs-appctl does.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolveTarget = (target: string, runDir?: string): Effect.Effect<string, AppctlError> => {
  if (Path.isAbsolute(target)) return Effect.succeed(target)
  const dir = runDir ?? process.env.OVS_RUNDIR ?? DEFAULT_RUN_DIR
  const notFound = (detail: string) => new AppctlError({ target, command: "", reason: "NotFound", detail })
  return Effect.tryPromise({
    try: async () => {
      const pid = await Fs.readFile(Path.join(dir, `${target}.pid`), "utf8").then(
        (text) => text.trim(),
        () => undefined
      )
      const candidates = [...(pid === undefined ? [] : [`${target}.${pid}.ctl`]), `${target}.ctl`]
      for (const name of candidates) {
        const path = Path.join(dir, name)
        if (await Fs.stat(path).then((stat) => stat.isSocket(), () => false)) return path
      }
      throw new Error(`no control socket ${candidates.map((name) => Path.join(dir, name)).join(" or ")}`)
    },
    catch: (cause) => notFound(cause instanceof Error ? cause.message : String(cause))
  })
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
          TransportError: (error) => Effect.fail(fail("Connect", error.message)),
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
