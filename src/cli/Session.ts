/**
 * What the commands that talk to a server share: a connection for the command's run, built from
 * the shared flags (TLS files, timeout, leader-only), with the DATABASE picked as ovsdb-client
 * picks it, and the output style the flags ask for.
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
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { ConnectionClosed, RpcTimeout } from "../Errors.js"
import type { Json } from "../Json.js"
import * as Ovsdb from "../Ovsdb.js"
import * as Remote from "../Remote.js"
import * as Session from "../Session.js"
import * as Transport from "../Transport.js"
import { connection } from "./Commands.js"
import type { Style } from "./format/Table.js"
import type { Usage, Values } from "./Usage.js"
import { bind, DEFAULT_SERVER, isRemoteList, namedDatabase, serverOf, UsageError } from "./Usage.js"

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

/** The connection the flags ask for (TLS files, `--timeout`), or the usage mistake in them. */
const connectionOptions = (server: string) =>
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
    return { remote: server, tls, connectTimeout: seconds, requestTimeout: seconds } satisfies Ovsdb.Options
  })

/**
 * Runs `use` with a plain connection (`Transport`) to `server`, one remote (a list goes through
 * `withOvsdb`), as the flags ask for it; `use` fails with `RpcTimeout` after `--timeout`.
 *
 * @since 0.1.0
 * @category running
 */
export const withTransport = <A, E>(
  server: string,
  method: string,
  use: (transport: Transport.Transport["Service"]) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const options = yield* connectionOptions(server)
    const used = Effect.scoped(Effect.flatMap(Transport.make(options), use))
    if (options.requestTimeout === undefined) return yield* used
    return yield* Effect.timeoutOrElse(used, {
      duration: options.requestTimeout,
      orElse: () => Effect.fail(new RpcTimeout({ method, timeoutMillis: Duration.toMillis(options.requestTimeout!) }))
    })
  })

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
    const options = yield* connectionOptions(server)
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
 * Runs `use` with a connection to the command's server and its arguments bound by its usage
 * table (see `Usage.bind`), the DATABASE picked as ovsdb-client picks it: with one remote, from
 * the databases the server lists; with a list of remotes, it must be named (it decides which
 * member is usable), as ovsdb-client requires.
 *
 * @since 0.1.0
 * @category running
 */
export const withDatabase = <U extends Usage, A, E>(
  usage: U,
  words: ReadonlyArray<string>,
  options: {
    readonly follow?: boolean
    readonly received?: ((bytes: number) => void) | undefined
  },
  use: (ovsdb: Ovsdb.Ovsdb["Service"], values: Values<U>) => Effect.Effect<A, E>
) =>
  Effect.suspend(() => {
    const server = serverOf(usage, words) ?? DEFAULT_SERVER
    if (!isRemoteList(server)) {
      return withOvsdb(server, (ovsdb) =>
        ovsdb.listDbs.pipe(
          Effect.flatMap((databases) => bind(usage, words, databases)),
          Effect.flatMap((values) => use(ovsdb, values))
        ), { received: options.received })
    }
    return Effect.flatMap(bind(usage, words), (values) =>
      withOvsdb(server, (ovsdb) => use(ovsdb, values), {
        database: namedDatabase(usage, words),
        follow: options.follow,
        received: options.received
      }))
  })

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
