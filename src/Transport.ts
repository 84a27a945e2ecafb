/**
 * One scoped byte duplex to an OVSDB remote: a unix socket, TCP, or TLS (`ssl:`) connection.
 *
 * The connection opens when the service is built and closes with its scope (for a layer: when the
 * layer is released): the socket is destroyed then, not left to drain bytes a peer may never read.
 * Bytes written with `send` go out in order; `incoming` is the single stream of bytes read from the
 * peer, which ends when the peer closes cleanly and fails with a `TransportError` when the
 * connection breaks. A list of remotes is tried in order; when all fail, the error names each
 * remote's failure.
 *
 * ```ts
 * import { Transport } from "effect-ovsdb"
 *
 * const transport = Transport.layer({ remote: "tcp:127.0.0.1:6640", connectTimeout: "2 seconds" })
 * ```
 *
 * TLS follows Open vSwitch: both sides present a certificate signed by the CA the other trusts
 * (`--private-key`, `--certificate`, `--ca-cert`), and the peer's host name is not checked against
 * its certificate, exactly as ovsdb-client and ovsdb-server do. A client certificate the server
 * refuses fails the connect with reason `Tls` and the server's alert.
 *
 * @since 0.1.0
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import type * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs/promises"
import * as Net from "node:net"
import * as Tls from "node:tls"
import type { RemoteParseError } from "./Errors.js"
import { TransportError } from "./Errors.js"
import { describe, fromSocketError } from "./internal/socketErrors.js"
import * as Remote from "./Remote.js"

/**
 * PEM files for an `ssl:` remote, as ovsdb-client takes them.
 *
 * @since 0.1.0
 * @category models
 */
export interface TlsFiles {
  /** Path of the client's private key (`--private-key`). */
  readonly privateKey: string
  /** Path of the client's certificate (`--certificate`). */
  readonly certificate: string
  /** Path of the CA certificate that signed the server's certificate (`--ca-cert`). */
  readonly caCert: string
}

/**
 * How to reach a remote.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** An OVS remote (`unix:PATH`, `tcp:HOST:PORT`, `ssl:HOST:PORT`) or a comma-separated list, tried in order. */
  readonly remote: string
  /** How long one connection attempt may take. Default: 10 seconds. */
  readonly connectTimeout?: Duration.Input | undefined
  /** When to try again after every remote of the list failed to connect. Default: no retry. */
  readonly connectRetry?: Schedule.Schedule<unknown, TransportError> | undefined
  /** Key, certificate and CA for `ssl:` remotes. Required when the remote list contains one. */
  readonly tls?: TlsFiles | undefined
}

/**
 * The service: a connected byte duplex.
 *
 * @since 0.1.0
 * @category services
 */
export class Transport extends Context.Service<Transport, {
  /** The remote this connection reached, in OVS syntax. */
  readonly remote: string
  /** Writes bytes (or UTF-8 text) to the peer, in order. */
  readonly send: (data: Uint8Array | string) => Effect.Effect<void, TransportError>
  /** The bytes from the peer. Single consumer; ends on a clean close. */
  readonly incoming: Stream.Stream<Uint8Array, TransportError>
  /** Closes the connection now, before its scope ends (e.g. after a protocol violation). */
  readonly close: Effect.Effect<void>
}>()("effect-ovsdb/Transport") {}

const DEFAULT_CONNECT_TIMEOUT = "10 seconds"

const readTls = (remote: string, files: TlsFiles | undefined) =>
  files === undefined
    ? Effect.fail(new TransportError({ remote, reason: "Tls", detail: "ssl: remote needs tls options" }))
    : Effect.tryPromise({
      try: () =>
        Promise.all([Fs.readFile(files.privateKey), Fs.readFile(files.certificate), Fs.readFile(files.caCert)]),
      catch: (cause) =>
        new TransportError({ remote, reason: "Tls", detail: `cannot read PEM files: ${String(cause)}`, cause })
    })

/** Loads the PEM files of an `ssl:` remote into a TLS context, once per connection attempt. */
const secureContextOf = (name: string, files: TlsFiles | undefined) =>
  readTls(name, files).pipe(
    Effect.flatMap(([key, cert, ca]) =>
      Effect.try({
        try: () => Tls.createSecureContext({ key, cert, ca }),
        catch: (cause) =>
          new TransportError({
            remote: name,
            reason: "Tls",
            detail: `bad key or certificate: ${describe(cause)}`,
            cause
          })
      })
    )
  )

/**
 * How long a TLS 1.3 connect waits for the server's verdict on our certificate. In TLS 1.3 the
 * client's handshake ends before the server has checked the client's certificate: the server then
 * either sends its session tickets (OpenSSL, and so ovsdb-server, sends two at once) or an alert
 * ("unknown ca", "certificate expired") and closes. Waiting for one of them lets a refused
 * certificate fail the connect instead of the first call. A server that sends no tickets costs
 * this much once per connection, after which a refusal shows on the first read, still as `Tls`.
 */
const TLS_VERDICT_WAIT_MS = 1_000

const openError = (cause: unknown) =>
  new Socket.SocketError({ reason: new Socket.SocketOpenError({ kind: "Unknown", cause }) })

/**
 * Dials one remote with `node:net` or `node:tls`. The socket is destroyed, not half-closed, when
 * the scope closes: a half-close waits for unsent bytes to drain, which a peer that stopped
 * reading never lets happen, and would keep the socket (and the process) alive.
 */
const dial = (remote: Remote.Remote, secureContext: Tls.SecureContext | undefined) =>
  Effect.gen(function*() {
    let conn: Net.Socket | undefined
    yield* Effect.addFinalizer(() => Effect.sync(() => conn?.destroy()))
    return yield* Effect.callback<Net.Socket, Socket.SocketError>((resume) => {
      const socket: Net.Socket = remote._tag === "Unix"
        ? Net.createConnection({ path: remote.path })
        : remote._tag === "Tcp"
        ? Net.createConnection({ host: remote.host, port: remote.port })
        : Tls.connect({
          host: remote.host,
          port: remote.port,
          ...(secureContext === undefined ? {} : { secureContext }),
          // Open vSwitch authenticates peers by CA signature only, never by host name.
          checkServerIdentity: () => undefined
        })
      conn = socket
      let timer: ReturnType<typeof setTimeout> | undefined
      // The error listener stays: until the socket layer attaches its own, an error must not go
      // unheard (Node would throw it); a resume after the first is ignored.
      const settle = (outcome: Effect.Effect<Net.Socket, Socket.SocketError>) => {
        clearTimeout(timer)
        socket.off("close", onClose).off("session", onVerdict)
        resume(outcome)
      }
      const onError = (cause: Error) => settle(Effect.fail(openError(cause)))
      const onClose = () =>
        settle(Effect.fail(openError(new Error("the server closed the connection while it opened"))))
      // A TLS 1.3 verdict comes in the session event, from inside OpenSSL's read: a write made there
      // (a caller may write at once, once connected) corrupts the stream. Go on from a fresh tick.
      const onVerdict = () => settle(Effect.andThen(Effect.yieldNow, Effect.succeed(socket)))
      socket.on("error", onError).on("close", onClose)
      if (socket instanceof Tls.TLSSocket) {
        socket.once("secureConnect", () => {
          if (socket.getProtocol() !== "TLSv1.3") return onVerdict() // TLS 1.2 checks both sides in the handshake
          socket.on("session", onVerdict)
          timer = setTimeout(onVerdict, TLS_VERDICT_WAIT_MS)
        })
      } else socket.once("connect", onVerdict)
      return Effect.sync(() => {
        clearTimeout(timer)
        socket.off("close", onClose).off("session", onVerdict)
      })
    })
  })

const openSocket = (remote: Remote.Remote, options: Options) =>
  Effect.map(
    remote._tag === "Ssl" ? secureContextOf(Remote.format(remote), options.tls) : Effect.succeed(undefined),
    (secureContext) =>
      NodeSocket.fromDuplex(dial(remote, secureContext), {
        openTimeout: options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT
      })
  ).pipe(Effect.flatten)

const closedCleanly = (remote: string) =>
  new TransportError({ remote, reason: "Closed", detail: "connection closed by peer" })

/**
 * What opens a connection to one remote instead of a socket, when the context has one: an OVSDB
 * server in the same process (`TestServer.dialer`) connects every client stack built in that context
 * to itself in memory. The connection belongs to the scope it runs in. Absent by default.
 *
 * @since 0.1.0
 * @category services
 */
export const Dialer = Context.Reference<
  ((remote: Remote.Remote) => Effect.Effect<Transport["Service"], TransportError, Scope.Scope>) | undefined
>("effect-ovsdb/Transport/Dialer", { defaultValue: () => undefined })

/** Dials one remote; the connection belongs to the scope this runs in. */
const connectTo = Effect.fnUntraced(function*(remote: Remote.Remote, options: Options, scope: Scope.Closeable) {
  const dialer = yield* Dialer
  if (dialer !== undefined) return yield* dialer(remote)
  const name = Remote.format(remote)
  const socket = yield* openSocket(remote, options)
  const tls = remote._tag === "Ssl"
  const toError = (error: Socket.SocketError) => fromSocketError(name, tls, error) ?? closedCleanly(name)
  // Acquiring the reader is what dials (effect/socket/Socket).
  const pull = yield* Socket.readerBytes(socket).pipe(Effect.mapError(toError))
  const writer = yield* socket.writer
  const incoming = Stream.fromPull(Effect.succeed(
    pull.pipe(Effect.catch((error): Effect.Effect<never, TransportError | Cause.Done> => {
      const failure = fromSocketError(name, tls, error)
      return failure === undefined ? Cause.done() : Effect.fail(failure)
    }))
  ))
  return Transport.of({
    remote: name,
    send: (data) => Effect.mapError(writer.write(data), toError),
    incoming,
    close: Scope.close(scope, Exit.void)
  })
})

/** One failure for a list whose every remote failed, naming each remote's own failure in order. */
const everyRemoteFailed = (list: string, failures: ReadonlyArray<TransportError>): TransportError => {
  if (failures.length === 1) return failures[0]!
  const reasons = new Set(failures.map((failure) => failure.reason))
  return new TransportError({
    remote: list,
    reason: reasons.size === 1 ? failures[0]!.reason : "Connect",
    detail: `no remote of the list answered: ${failures.map((failure) => failure.message).join("; ")}`,
    cause: failures
  })
}

/** Tries each remote of the list once, in order; each attempt in a scope of its own. */
const connectAny = (remotes: ReadonlyArray<Remote.Remote>, options: Options) =>
  Effect.gen(function*() {
    const scope = yield* Scope.Scope
    const failures: Array<TransportError> = []
    for (const remote of remotes) {
      const attempt = yield* Scope.fork(scope, "sequential")
      const exit = yield* Effect.exit(Scope.provide(connectTo(remote, options, attempt), attempt))
      if (Exit.isSuccess(exit)) return exit.value
      yield* Scope.close(attempt, exit)
      const failure = Exit.findErrorOption(exit)
      if (failure._tag === "None") return yield* Effect.failCause(exit.cause)
      failures.push(failure.value)
    }
    return yield* Effect.fail(
      failures.length === 0
        ? new TransportError({ remote: options.remote, reason: "Connect", detail: "no remote to try" })
        : everyRemoteFailed(options.remote, failures)
    )
  })

/**
 * Connects to the remote (or the first of a list that answers), retrying on `connectRetry`.
 * The connection closes when the surrounding scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<Transport["Service"], TransportError | RemoteParseError, Scope.Scope> =>
  Effect.flatMap(Remote.parseList(options.remote), (remotes) => {
    const once = connectAny(remotes, options)
    return options.connectRetry === undefined ? once : Effect.retry(once, options.connectRetry)
  }).pipe(
    Effect.withSpan("Transport.connect", { attributes: { remote: options.remote } }, { captureStackTrace: false })
  )

/**
 * A layer holding one connection for the layer's lifetime.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Transport, TransportError | RemoteParseError> =>
  Layer.effect(Transport, make(options))
