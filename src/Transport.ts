/**
 * One scoped byte duplex to an OVSDB remote: a unix socket, TCP, or TLS (`ssl:`) connection.
 *
 * The connection opens when the service is built and closes with its scope (for a layer: when the
 * layer is released). Bytes written with `send` go out in order; `incoming` is the single stream of
 * bytes read from the peer, which ends when the peer closes cleanly and fails with a
 * `TransportError` when the connection breaks.
 *
 * ```ts
 * const transport = Transport.layer({ remote: "tcp:127.0.0.1:6640", connectTimeout: "2 seconds" })
 * ```
 *
 * TLS follows Open vSwitch: both sides present a certificate signed by the CA the other trusts
 * (`--private-key`, `--certificate`, `--ca-cert`), and the peer's host name is not checked against
 * its certificate, exactly as ovsdb-client and ovsdb-server do.
 *
 * @since 0.1.0
 */
import { NodeSocket } from "@effect/platform-node"
import type { Duration, Schedule } from "effect"
import { Cause, Context, Effect, Exit, Layer, Scope, Stream } from "effect"
import * as Socket from "effect/socket/Socket"
import * as Fs from "node:fs/promises"
import * as Tls from "node:tls"
import type { RemoteParseError } from "./Errors.js"
import { TransportError } from "./Errors.js"
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
      catch: (cause) => new TransportError({ remote, reason: "Tls", detail: `cannot read PEM files: ${String(cause)}` })
    })

const openSocket = (remote: Remote.Remote, options: Options) => {
  const openTimeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT
  switch (remote._tag) {
    case "Unix":
      return NodeSocket.makeNet({ path: remote.path, openTimeout })
    case "Tcp":
      return NodeSocket.makeNet({ host: remote.host, port: remote.port, openTimeout })
    case "Ssl": {
      const name = Remote.format(remote)
      return readTls(name, options.tls).pipe(
        Effect.flatMap(([key, cert, ca]) =>
          Effect.try({
            try: () => Tls.createSecureContext({ key, cert, ca }),
            catch: (cause) =>
              new TransportError({ remote: name, reason: "Tls", detail: `bad key or certificate: ${describe(cause)}` })
          })
        ),
        Effect.flatMap((secureContext) =>
          NodeSocket.makeTls({
            host: remote.host,
            port: remote.port,
            secureContext,
            openTimeout,
            // Open vSwitch authenticates peers by CA signature only, never by host name.
            checkServerIdentity: () => undefined
          })
        )
      )
    }
  }
}

/**
 * Whether a failure on a TLS connection came from TLS itself: system errors carry an errno code
 * (`ECONNREFUSED`, `ECONNRESET`, …); handshake and certificate failures carry OpenSSL's
 * (`ERR_SSL_…`, `DEPTH_ZERO_SELF_SIGNED_CERT`, …).
 */
const isTlsFailure = (tls: boolean, cause: unknown): boolean => {
  if (!tls) return false
  const code = cause instanceof Error ? Reflect.get(cause, "code") : undefined
  return typeof code !== "string" || !/^E[A-Z]+$/.test(code)
}

const describe = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

/** Maps a socket failure to a transport failure; `undefined` for a clean end of stream. */
const fromSocketError = (remote: string, tls: boolean, error: Socket.SocketError): TransportError | undefined => {
  const reason = error.reason
  switch (reason._tag) {
    case "SocketOpenError":
      return reason.kind === "Timeout"
        ? new TransportError({ remote, reason: "Timeout", detail: "connection attempt timed out" })
        : new TransportError({
          remote,
          reason: isTlsFailure(tls, reason.cause) ? "Tls" : "Connect",
          detail: describe(reason.cause)
        })
    case "SocketCloseError":
      return reason.code === 1000 ? undefined : new TransportError({
        remote,
        reason: "Closed",
        detail: `closed with code ${reason.code}${reason.closeReason ? `: ${reason.closeReason}` : ""}`
      })
    case "SocketReadError":
      return new TransportError({
        remote,
        reason: isTlsFailure(tls, reason.cause) ? "Tls" : "Read",
        detail: describe(reason.cause)
      })
    case "SocketWriteError":
      return new TransportError({ remote, reason: "Write", detail: describe(reason.cause) })
    default:
      return new TransportError({ remote, reason: "Read", detail: error.message })
  }
}

const closedCleanly = (remote: string) =>
  new TransportError({ remote, reason: "Closed", detail: "connection closed by peer" })

/** Dials one remote; the connection belongs to the scope this runs in. */
const connectTo = Effect.fnUntraced(function*(remote: Remote.Remote, options: Options, scope: Scope.Closeable) {
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

/** Tries each remote of the list once, in order; each attempt in a scope of its own. */
const connectAny = (remotes: ReadonlyArray<Remote.Remote>, options: Options) =>
  Effect.gen(function*() {
    const scope = yield* Scope.Scope
    let lastError: TransportError | undefined
    for (const remote of remotes) {
      const attempt = yield* Scope.fork(scope, "sequential")
      const exit = yield* Effect.exit(Scope.provide(connectTo(remote, options, attempt), attempt))
      if (Exit.isSuccess(exit)) return exit.value
      yield* Scope.close(attempt, exit)
      const failure = Exit.findErrorOption(exit)
      if (failure._tag === "None") return yield* Effect.failCause(exit.cause)
      lastError = failure.value
    }
    return yield* Effect.fail(
      lastError ?? new TransportError({ remote: options.remote, reason: "Connect", detail: "no remote to try" })
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
