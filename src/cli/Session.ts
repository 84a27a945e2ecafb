/**
 * What every command shares: the connection flags (TLS files, timeout, output format, leader-only),
 * ovsdb-client's way of reading optional SERVER and DATABASE arguments, a connection for the
 * command's run, and its way of reporting failure (one line on stderr, exit status 1).
 *
 * A SERVER that is one remote gets one plain connection, as ovsdb-client's: when it ends, so does
 * the command. A list of remotes (`unix:a,unix:b,unix:c`, a cluster) is tried in random order
 * until a member is usable for the command's database — its leader, unless `--no-leader-only` —
 * as ovsdb-client tries it, through a `Session`. The monitor commands then follow the cluster
 * across failovers, with one line on stderr at each reconnect; every other command ends when its
 * connection does. A command that shows progress is told the size of each read from the server.
 *
 * @since 0.1.0
 */
import { Argument, Command, Flag } from "effect/cli"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { ConnectionClosed } from "../Errors.js"
import type { Json } from "../Json.js"
import * as Ovsdb from "../Ovsdb.js"
import * as Remote from "../Remote.js"
import * as Session from "../Session.js"
import * as Transport from "../Transport.js"
import type { Style } from "./format/Table.js"

/**
 * The server ovsdb-client talks to when none is named.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_SERVER = "unix:/var/run/openvswitch/db.sock"

/**
 * The database ovsdb-client uses when none is named and the server has it.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_DATABASE = "Open_vSwitch"

/**
 * The root command and the flags every command shares.
 *
 * @since 0.1.0
 * @category commands
 */
export const connection = Command.make("effect-ovsdb").pipe(
  Command.withSharedFlags({
    privateKey: Flag.String("private-key").pipe(Flag.withAlias("p"), Flag.optional),
    certificate: Flag.String("certificate").pipe(Flag.withAlias("c"), Flag.optional),
    caCert: Flag.String("ca-cert").pipe(Flag.withAlias("C"), Flag.optional),
    timeout: Flag.Int("timeout").pipe(
      Flag.withDescription("seconds to wait for the connection and for each reply (default: no limit)"),
      Flag.optional
    ),
    format: Flag.String("format").pipe(
      Flag.withAlias("f"),
      Flag.withDescription("output format of tables: table (the default), list, html, csv or json"),
      Flag.optional
    ),
    data: Flag.String("data").pipe(
      Flag.withAlias("d"),
      Flag.withDescription("format of table cells: string (the default), bare or json"),
      Flag.optional
    ),
    headings: Flag.Boolean("headings").pipe(
      Flag.withDescription("--no-headings leaves out the tables' heading row"),
      Flag.withDefault(true)
    ),
    pretty: Flag.Boolean("pretty").pipe(
      Flag.withDescription("pretty-print JSON output, a member or element a line"),
      Flag.withDefault(false)
    ),
    bare: Flag.Boolean("bare").pipe(
      Flag.withDescription("the same as --format=list --data=bare --no-headings"),
      Flag.withDefault(false)
    ),
    timestamp: Flag.Boolean("timestamp").pipe(
      Flag.withDescription("print the time (UTC) with each table the monitor commands print"),
      Flag.withDefault(false)
    ),
    maxColumnWidth: Flag.Int("max-column-width").pipe(
      Flag.withDescription("with --format=table, cut cells to this many bytes"),
      Flag.optional
    ),
    leaderOnly: Flag.Boolean("leader-only").pipe(
      Flag.withDescription(
        "with several remotes, use only the leader of a clustered database (the default); " +
          "--no-leader-only accepts any member connected to its cluster"
      ),
      Flag.withDefault(true)
    )
  }),
  Command.withDescription("An OVSDB client (RFC 7047) that mirrors ovsdb-client")
)

/**
 * A usage error, reported like any other failure.
 *
 * @since 0.1.0
 * @category errors
 */
export class UsageError extends Error {}

/** ovsdb-client's test for "has the form of a remote": a letter first, and a colon somewhere. */
const isRemote = (arg: string): boolean => /^[A-Za-z]/.test(arg) && arg.includes(":")

/**
 * Splits `[SERVER] ARGS…` the way ovsdb-client does: the first argument is the server when it has
 * the form of a remote and more than the command's `minArgs` arguments were given.
 */
const splitServer = (args: ReadonlyArray<string>, minArgs: number): readonly [string, ReadonlyArray<string>] =>
  args.length > minArgs && isRemote(args[0]!) ? [args[0]!, args.slice(1)] : [DEFAULT_SERVER, args]

/** Whether `server` names several remotes (a cluster), `cid:` entries aside. */
const isRemoteList = (server: string): boolean =>
  server.split(",").filter((entry) => entry.trim() !== "" && !entry.trim().startsWith("cid:")).length > 1

/**
 * How a command uses a list of remotes: `database` is the one a member must be usable for (none:
 * any member that answers), and `follow` keeps the command on the cluster across failovers.
 *
 * @since 0.1.0
 * @category running
 */
export interface Connect {
  readonly database?: string | undefined
  readonly follow?: boolean | undefined
  /** Told the size of each read from the server, for a command's progress (see `Progress`). */
  readonly received?: ((bytes: number) => void) | undefined
}

/**
 * Connects as `Transport.make` does, and tells `received` the size of each read: every connection
 * the command makes, to one remote or to each member of a list, goes through it.
 */
const countingDialer = (options: Transport.Options, received: (bytes: number) => void) => (remote: Remote.Remote) =>
  Transport.make({ ...options, remote: Remote.format(remote) }).pipe(
    Effect.provideService(Transport.Dialer, undefined),
    // The remote was parsed already: formatted again, it parses.
    Effect.catchTag("RemoteParseError", (error) => Effect.die(error)),
    Effect.map((transport) =>
      Transport.Transport.of({
        ...transport,
        incoming: Stream.tap(transport.incoming, (bytes) => Effect.sync(() => received(bytes.length)))
      })
    )
  )

/**
 * One line on stderr at each reconnect of a followed session: the remote it is on now, and why
 * the connection before ended; and one at each backoff, with the last failure.
 */
const reportReconnects = (session: Session.Session["Service"]) => {
  let reconnects = 0
  let ready = false
  let ended: string | undefined
  return Stream.runForEach(session.changes, (status) => {
    if (status.state._tag !== "Ready") {
      // The first change after Ready says why that connection ended.
      if (ready) ended = status.lastDisconnect
      ready = false
    }
    if (status.state._tag === "Backoff") {
      return Console.error(
        `effect-ovsdb: no server is usable (${status.lastDisconnect ?? "none answered"}); ` +
          `trying again in ${status.state.millis} ms`
      )
    }
    if (status.state._tag !== "Ready") return Effect.void
    ready = true
    if (status.reconnects === reconnects) return Effect.void
    reconnects = status.reconnects
    return Console.error(`effect-ovsdb: reconnected to ${status.state.remote} (${ended ?? "the connection ended"})`)
  })
}

/** Fails with `ConnectionClosed` once a session that was ready stops being so: a command that does not follow ends. */
const connectionLost = (session: Session.Session["Service"]) => {
  let wasReady = false
  return session.changes.pipe(
    Stream.filter((status) => {
      if (status.state._tag === "Ready") wasReady = true
      return wasReady && status.state._tag !== "Ready"
    }),
    Stream.runHead,
    Effect.flatMap((status) =>
      Effect.fail(
        new ConnectionClosed({
          detail: Option.match(status, {
            onNone: () => "the session ended",
            onSome: (lost) => lost.lastDisconnect ?? "the connection ended"
          })
        })
      )
    )
  )
}

/**
 * Runs `use` with a connection to `server`, built from the shared flags: the three TLS files
 * together or none, `--timeout` bounding the connection and each reply, and `--leader-only` for a
 * list of remotes (see the module doc and `Connect`).
 *
 * @since 0.1.0
 * @category running
 */
export const withOvsdb = <A, E>(
  server: string,
  use: (ovsdb: Ovsdb.Ovsdb["Service"]) => Effect.Effect<A, E>,
  connect: Connect = {}
) =>
  Effect.gen(function*() {
    const flags = yield* connection
    const files = [flags.privateKey, flags.certificate, flags.caCert]
    if (files.some(Option.isSome) && !files.every(Option.isSome)) {
      return yield* Effect.fail(new UsageError("--private-key, --certificate and --ca-cert go together"))
    }
    const tls = Option.all([flags.privateKey, flags.certificate, flags.caCert]).pipe(
      Option.map(([privateKey, certificate, caCert]) => ({ privateKey, certificate, caCert })),
      Option.getOrUndefined
    )
    const timeout = Option.getOrUndefined(flags.timeout)
    if (timeout !== undefined && timeout < 1) {
      return yield* Effect.fail(new UsageError(`value ${timeout} on --timeout is not at least 1`))
    }
    const seconds = timeout === undefined ? undefined : `${timeout} seconds` as const
    const options: Ovsdb.Options = { remote: server, tls, connectTimeout: seconds, requestTimeout: seconds }
    const counted = <X, Y>(effect: Effect.Effect<X, Y>) =>
      connect.received === undefined
        ? effect
        : Effect.provideService(effect, Transport.Dialer, countingDialer(options, connect.received))
    if (!isRemoteList(server)) {
      return yield* counted(Ovsdb.Ovsdb.use(use).pipe(Effect.provide(Ovsdb.layerConnection(options))))
    }
    return yield* counted(Effect.scoped(Effect.gen(function*() {
      const context = yield* Layer.build(Ovsdb.layer({
        ...options,
        database: connect.database,
        // A member of any database will do for a command that names none, as for ovsdb-client.
        leaderOnly: flags.leaderOnly && connect.database !== undefined,
        // ovsdb-client tries each remote once; a followed session tries for as long as it runs.
        ...(connect.follow === true ? {} : { backoff: Schedule.recurs(0) })
      }))
      const ovsdb = Context.get(context, Ovsdb.Ovsdb)
      const session = Context.get(context, Session.Session)
      if (connect.follow === true) {
        yield* Effect.forkScoped(reportReconnects(session))
        return yield* use(ovsdb)
      }
      return yield* Effect.raceFirst(use(ovsdb), connectionLost(session))
    })))
  })

/**
 * Prints the error ovsdb-client style and sets a failing exit status.
 *
 * @since 0.1.0
 * @category running
 */
export const reportFailure = (error: { readonly message: string }) =>
  Console.error(`effect-ovsdb: ${error.message}`).pipe(Effect.andThen(Effect.sync(() => {
    process.exitCode = 1
  })))

const positional = Argument.String("args").pipe(Argument.variadic())

/**
 * A command taking `[SERVER] ARGS…`, at least `minArgs` of them besides the server (ovsdb-client's
 * `min_args`, which decides whether a leading remote-like argument is the server); `run` gets the
 * server and the rest.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = <R>(
  name: string,
  description: string,
  minArgs: number,
  run: (server: string, args: ReadonlyArray<string>) => Effect.Effect<void, { readonly message: string }, R>
) =>
  Command.make(name, { args: positional }, ({ args }) => {
    const [server, rest] = splitServer(args, minArgs)
    return run(server, rest).pipe(Effect.catch(reportFailure))
  }).pipe(Command.withDescription(description))

/**
 * Splits `[DATABASE] ARGS…` the way ovsdb-client does. The first argument is the database when
 * more than `minArgs` arguments were given and the server has a database by that name. Otherwise
 * the database is `Open_vSwitch` when the server has it, or else the server's only database whose
 * name does not start with `_`. More than `maxArgs` arguments after the database fail; when the
 * database was not named, the first argument is reported as an unknown database, the likely slip.
 */
const splitDatabase = (
  ovsdb: Ovsdb.Ovsdb["Service"],
  name: string,
  args: ReadonlyArray<string>,
  limits: { readonly minArgs: number; readonly maxArgs: number }
): Effect.Effect<readonly [string, ReadonlyArray<string>], UsageError | Ovsdb.CallError> =>
  Effect.flatMap(ovsdb.listDbs, (dbs) => {
    const first = args[0]
    if (args.length > limits.minArgs && first !== undefined && dbs.includes(first)) {
      return args.length - 1 > limits.maxArgs
        ? Effect.fail(new UsageError(`too many arguments for '${name}' (use --help for help)`))
        : Effect.succeed([first, args.slice(1)] as const)
    }
    if (args.length > limits.maxArgs) {
      return Effect.fail(new UsageError(`${name}: unknown database ${first}`))
    }
    const visible = dbs.filter((db) => !db.startsWith("_"))
    const database = dbs.includes(DEFAULT_DATABASE) ? DEFAULT_DATABASE : visible.length === 1 ? visible[0] : undefined
    return database === undefined
      ? Effect.fail(new UsageError("could not find a default database, please specify a database name"))
      : Effect.succeed([database, args] as const)
  })

/**
 * Runs `use` with a connection to `server` and the command's database, split from `[DATABASE]
 * ARGS…` as ovsdb-client does: by `splitDatabase` with one remote; with a list of remotes the
 * database must be named (it decides which member is usable), as ovsdb-client requires.
 *
 * @since 0.1.0
 * @category running
 */
export const withDatabase = <A, E>(
  server: string,
  name: string,
  args: ReadonlyArray<string>,
  limits: {
    readonly minArgs: number
    readonly maxArgs: number
    readonly follow?: boolean
    readonly received?: ((bytes: number) => void) | undefined
  },
  use: (ovsdb: Ovsdb.Ovsdb["Service"], database: string, rest: ReadonlyArray<string>) => Effect.Effect<A, E>
) =>
  Effect.suspend(() => {
    if (!isRemoteList(server)) {
      return withOvsdb(server, (ovsdb) =>
        Effect.flatMap(splitDatabase(ovsdb, name, args, limits), ([database, rest]) =>
          use(ovsdb, database, rest)), { received: limits.received })
    }
    const [database, ...rest] = args
    if (database === undefined || args.length <= limits.minArgs) {
      return Effect.fail(new UsageError("database name is required with multiple remotes"))
    }
    if (rest.length > limits.maxArgs) {
      return Effect.fail(new UsageError(`too many arguments for '${name}' (use --help for help)`))
    }
    return withOvsdb(server, (ovsdb) =>
      use(ovsdb, database, rest), { database, follow: limits.follow, received: limits.received })
  })

/**
 * Fails with a usage error when there are more than `count` arguments.
 *
 * @since 0.1.0
 * @category parsing
 */
export const atMost = (name: string, args: ReadonlyArray<string>, count: number) =>
  args.length > count
    ? Effect.fail(new UsageError(`too many arguments for '${name}' (use --help for help)`))
    : Effect.void

/**
 * A JSON value as an object, or an empty one.
 *
 * @since 0.1.0
 * @category parsing
 */
export const asRecord = (json: Json | undefined): { readonly [key: string]: Json } =>
  typeof json === "object" && json !== null && !Array.isArray(json) ? json as { readonly [key: string]: Json } : {}

const FORMATS: ReadonlyArray<Style["format"]> = ["table", "list", "html", "csv", "json"]
const CELL_FORMATS: ReadonlyArray<Style["data"]> = ["string", "bare", "json"]

/**
 * How tables print, from the shared flags, as lib/table.c reads them: `--format` (`table`,
 * `list`, `html`, `csv`, `json`), `--data` (`string`, `bare`, `json`), `--no-headings`,
 * `--pretty`, `--max-column-width`, and `--bare` (`list`, `bare`, no headings; an explicit
 * `--format` or `--data` still wins). An unknown format is a usage error, as ovsdb-client's
 * `unknown output format "x"`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const outputStyle = Effect.flatMap(
  connection,
  (flags) => {
    const format = Option.getOrElse(flags.format, () => flags.bare ? "list" : "table")
    const data = Option.getOrElse(flags.data, () => flags.bare ? "bare" : "string")
    if (!FORMATS.includes(format as Style["format"])) {
      return Effect.fail(new UsageError(`unknown output format "${format}"`))
    }
    if (!CELL_FORMATS.includes(data as Style["data"])) {
      return Effect.fail(new UsageError(`unknown data format "${data}"`))
    }
    return Effect.succeed<Style>({
      format: format as Style["format"],
      data: data as Style["data"],
      headings: flags.headings && !flags.bare,
      pretty: flags.pretty,
      // atoi: a negative width is no limit, as 0 is.
      maxColumnWidth: Math.max(0, Option.getOrElse(flags.maxColumnWidth, () => 0))
    })
  }
)
