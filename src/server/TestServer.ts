/**
 * The in-memory server as a test layer: an application's tests swap `Ovsdb.layer({ remote })` for
 * `TestServer.layer({ databases })`, and its code runs unchanged against databases that live in
 * the test's process, with no ovsdb-server installed and no socket opened.
 *
 * ```ts
 * import { assert, it } from "@effect/vitest"
 * import * as Effect from "effect/Effect"
 * import { Operation as Op, Ovsdb, TestServer } from "effect-ovsdb"
 * import * as OVN_Northbound from "effect-ovsdb/models/OVN_Northbound"
 *
 * // In production: Ovsdb.layer({ remote: "unix:/run/ovn/ovnnb_db.sock" })
 * const OvsdbTest = TestServer.layer({
 *   databases: [OVN_Northbound.database],
 *   rows: { OVN_Northbound: [Op.insert("Logical_Switch", { name: "ls0" })] }
 * })
 *
 * it.effect("finds the switch", () =>
 *   Effect.gen(function*() {
 *     const ovsdb = yield* Ovsdb.Ovsdb
 *     const [{ rows }] = yield* ovsdb.transact("OVN_Northbound", Op.select("Logical_Switch", [], ["name"]))
 *     assert.deepStrictEqual(rows, [{ name: "ls0" }])
 *   }).pipe(Effect.provide(OvsdbTest)))
 * ```
 *
 * `layer` gives what `Ovsdb.layer` gives (the `Ovsdb` API over a resilient `Session`, and the
 * `Session`), plus the `Server`, to look at or change the databases behind the application's back.
 * `layerConnection` is `Ovsdb.layerConnection`'s counterpart (one plain connection).
 * Underneath, `dialer` makes every client stack built in its context (`Transport`, `Ovsdb`,
 * `Session`, `Replica`) connect to the `Server` in context through an in-memory byte duplex,
 * whatever remote it names: the same codec, framing and protocol as over a socket.
 *
 * Each database starts empty, from a schema (a model such as `OVN_Northbound.database`, a
 * `DatabaseSchema`, or the path of an `.ovsschema` file), then gets the `rows` given for it, as one
 * transaction.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { RemoteParseError } from "../Errors.js"
import { TransportError } from "../Errors.js"
import type { Json } from "../Json.js"
import * as JsonText from "../Json.js"
import * as Ovsdb from "../Ovsdb.js"
import type * as DatabaseSchema from "../protocol/DatabaseSchema.js"
import type * as Operation from "../protocol/Operation.js"
import * as Remote from "../Remote.js"
import type * as Session from "../Session.js"
import * as Transport from "../Transport.js"
import { readSchemaFile, Server, ServerError } from "./Server.js"
import * as ServerModule from "./Server.js"

/**
 * A database to serve: a model (`OVN_Northbound.database`), a schema, or an `.ovsschema` file's path.
 *
 * @since 0.1.0
 * @category models
 */
export type DatabaseSource = DatabaseSchema.DatabaseSchema | { readonly schema: DatabaseSchema.DatabaseSchema } | string

/**
 * What the test server holds.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The databases, each empty at first. */
  readonly databases: ReadonlyArray<DatabaseSource>
  /** Rows to start with, by database: operations run as one transaction each, before any client connects. */
  readonly rows?: { readonly [database: string]: ReadonlyArray<Operation.Any> } | undefined
  /** How many commits of each database `monitor_cond_since` can resume after. Default: 100. */
  readonly history?: number | undefined
}

/**
 * The remote the test layers' clients name (no socket is opened for it).
 *
 * @since 0.1.0
 * @category constants
 */
export const REMOTE = "unix:in-memory"

const encoder = new TextEncoder()

/**
 * Two connected in-memory transports: what one sends the other reads, in order. Closing either
 * end closes both: each end's `incoming` ends after the bytes already sent, as after a clean close
 * of a socket. Both close with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const pipe = (
  name: string
): Effect.Effect<readonly [Transport.Transport["Service"], Transport.Transport["Service"]], never, Scope.Scope> =>
  Effect.gen(function*() {
    const toServer = yield* Queue.unbounded<Uint8Array, Cause.Done>()
    const toClient = yield* Queue.unbounded<Uint8Array, Cause.Done>()
    let open = true
    const closeBoth = Effect.sync(() => {
      open = false
      Queue.endUnsafe(toServer)
      Queue.endUnsafe(toClient)
    })
    yield* Effect.addFinalizer(() => closeBoth)
    const end = (inbox: Queue.Queue<Uint8Array, Cause.Done>, outbox: Queue.Queue<Uint8Array, Cause.Done>) =>
      Transport.Transport.of({
        remote: name,
        send: (data) =>
          Effect.suspend(() => {
            if (!open || !Queue.offerUnsafe(outbox, typeof data === "string" ? encoder.encode(data) : data)) {
              return Effect.fail(new TransportError({ remote: name, reason: "Closed", detail: "connection closed" }))
            }
            return Effect.void
          }),
        incoming: Stream.fromQueue(inbox),
        close: closeBoth
      })
    return [end(toClient, toServer), end(toServer, toClient)] as const
  })

/**
 * A client's connection to the `Server` in context, in memory; the server serves it until either
 * side closes it, or the scope ends.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect = (
  remote: string = REMOTE
): Effect.Effect<Transport.Transport["Service"], never, Server | Scope.Scope> =>
  Effect.gen(function*() {
    const server = yield* Server
    const [client, served] = yield* pipe(remote)
    yield* Effect.forkScoped(server.serve(served))
    return client
  })

/**
 * Makes every client stack built in its context connect to the `Server` in context, in memory,
 * whatever remote it is given (see `Transport.Dialer`).
 *
 * @example
 * ```ts
 * import * as Layer from "effect/Layer"
 * import { Ovsdb, TestServer } from "effect-ovsdb"
 * import * as OVN_Northbound from "effect-ovsdb/models/OVN_Northbound"
 *
 * const OvsdbTest = Ovsdb.layer({ remote: "unix:/run/ovn/ovnnb_db.sock" }).pipe(
 *   Layer.provide(TestServer.dialer),
 *   Layer.provideMerge(TestServer.layerServer({ databases: [OVN_Northbound.database] }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const dialer: Layer.Layer<never, never, Server> = Layer.effect(
  Transport.Dialer,
  Effect.map(
    Effect.context<Server>(),
    (context) => (remote: Remote.Remote) => Effect.provide(connect(Remote.format(remote)), context)
  )
)

/**
 * One in-memory `Transport` to the `Server` in context, for the layer's lifetime.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTransport: Layer.Layer<Transport.Transport, never, Server> = Layer.effect(
  Transport.Transport,
  connect()
)

const schemaOf = (
  source: DatabaseSource
): Effect.Effect<DatabaseSchema.DatabaseSchema | ServerModule.SchemaFile, ServerError> =>
  typeof source === "string"
    ? readSchemaFile(source)
    : Effect.succeed("schema" in source ? source.schema : source)

/** Runs the seed operations of one database; any failure fails the server's start. */
const seed = (server: Server["Service"], database: string, operations: ReadonlyArray<Operation.Any>) =>
  Effect.gen(function*() {
    const problem = operations.find((operation) => operation.problem !== undefined)?.problem
    if (problem !== undefined) {
      return yield* new ServerError({ reason: "Seed", detail: `${database}: ${problem.message}`, cause: problem })
    }
    const result = yield* server.transact(database, operations.map((operation) => operation.json)).pipe(
      Effect.mapError((error) =>
        new ServerError({ reason: "Seed", detail: `${database}: ${error.message}`, cause: error })
      )
    )
    const failed = result.find((entry: Json) => typeof entry === "object" && entry !== null && "error" in entry)
    if (failed !== undefined) {
      return yield* new ServerError({ reason: "Seed", detail: `${database}: ${JsonText.show(failed)}` })
    }
  })

/**
 * The in-memory server alone, with its databases and their first rows.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServer = (options: Options): Layer.Layer<Server, ServerError> =>
  Layer.effect(
    Server,
    Effect.gen(function*() {
      const databases = yield* Effect.forEach(options.databases, schemaOf)
      const server = yield* ServerModule.make({ databases, history: options.history })
      for (const [database, operations] of Object.entries(options.rows ?? {})) {
        yield* seed(server, database, operations)
      }
      return server
    })
  )

/**
 * What `Ovsdb.layer` gives, over the in-memory server: the `Ovsdb` API over a resilient `Session`
 * (options as `Ovsdb.layer`'s, but the remote), the `Session`, and the `Server`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options & { readonly session?: Omit<Session.Options, "remote"> | undefined }
): Layer.Layer<Ovsdb.Ovsdb | Session.Session | Server, ServerError | RemoteParseError> =>
  Ovsdb.layer({ shuffle: false, ...options.session, remote: REMOTE }).pipe(
    Layer.provide(dialer),
    Layer.provideMerge(layerServer(options))
  )

/**
 * What `Ovsdb.layerConnection` gives, over the in-memory server: one plain connection and the
 * `Ovsdb` API over it, and the `Server`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConnection = (
  options: Options & { readonly connection?: Omit<Ovsdb.Options, "remote"> | undefined }
): Layer.Layer<Ovsdb.Ovsdb | Server, ServerError | TransportError | RemoteParseError> =>
  Ovsdb.layerConnection({ ...options.connection, remote: REMOTE }).pipe(
    Layer.provide(dialer),
    Layer.provideMerge(layerServer(options))
  )
