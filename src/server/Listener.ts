/**
 * Passive remotes (ovsdb(7) "Connection Methods", the passive ones): where a server listens, as
 * ovsdb-server's `--remote` takes them.
 *
 * - `punix:PATH`: a unix domain socket; a stale socket file at PATH is replaced, and the file is
 *   removed when the listener closes.
 * - `ptcp:PORT[:IP]`: TCP on IP (default: every IPv4 address); port 0 lets the system choose, and
 *   the port bound is reported. An IPv6 address goes in brackets: `ptcp:6640:[::1]`.
 * - `pssl:PORT[:IP]`: TLS, as Open vSwitch does it: the server presents its certificate and
 *   requires the client's, signed by the CA (`--private-key`, `--certificate`, `--ca-cert`).
 *
 * Each connection accepted becomes a `Transport` handed to `onConnection`, in a fiber of its own
 * that ends with the listener's scope.
 *
 * @since 0.1.0
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import type * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Tls from "node:tls"
import type { TransportError } from "../Errors.js"
import { fromSocketError } from "../internal/socketErrors.js"
import * as Transport from "../Transport.js"
import { ServerError } from "./Server.js"

/**
 * A passive remote.
 *
 * @since 0.1.0
 * @category models
 */
export type Passive =
  | { readonly _tag: "Punix"; readonly path: string }
  | { readonly _tag: "Ptcp"; readonly port: number; readonly host: string }
  | { readonly _tag: "Pssl"; readonly port: number; readonly host: string }

/**
 * Reads a passive remote, or says what is wrong with it.
 *
 * @example
 * ```ts
 * Listener.parse("ptcp:6641:127.0.0.1") // { _tag: "Ptcp", port: 6641, host: "127.0.0.1" }
 * Listener.parse("tcp:6641") // "tcp:6641: not a passive remote (punix:PATH, ptcp:PORT[:IP], pssl:PORT[:IP])"
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (remote: string): Passive | string => {
  if (remote.startsWith("punix:")) {
    const path = remote.slice("punix:".length)
    return path === "" ? `${remote}: missing socket path` : { _tag: "Punix", path }
  }
  const method = remote.startsWith("ptcp:") ? "Ptcp" : remote.startsWith("pssl:") ? "Pssl" : undefined
  if (method === undefined) return `${remote}: not a passive remote (punix:PATH, ptcp:PORT[:IP], pssl:PORT[:IP])`
  const rest = remote.slice(5)
  const match = /^(\d+)(?::(?:\[([^\]]+)\]|([^:]+)))?$/.exec(rest)
  if (match === null) return `${remote}: expected PORT[:IP]`
  const port = Number(match[1])
  if (port > 65535) return `${remote}: port ${port} is out of range`
  const host = match[2] ?? match[3] ?? "0.0.0.0"
  if (Net.isIP(host) === 0) return `${remote}: ${JSON.stringify(host)} is not an IP address`
  return { _tag: method, port, host }
}

/**
 * Key, certificate and CA of a `pssl:` listener (the same files as ovsdb-server's).
 *
 * @since 0.1.0
 * @category models
 */
export type TlsFiles = Transport.TlsFiles

/**
 * A listener that is open: its remote as given, and the TCP port it bound.
 *
 * @since 0.1.0
 * @category models
 */
export interface Listening {
  readonly remote: string
  readonly port: number | undefined
}

/** A connected socket as a `Transport`; the socket is destroyed when the scope closes. */
const transportOf = (socket: Net.Socket, name: string, tls: boolean) =>
  Effect.gen(function*() {
    yield* Effect.addFinalizer(() => Effect.sync(() => socket.destroy()))
    const duplex = yield* NodeSocket.fromDuplex(Effect.succeed(socket))
    const toError = (error: Socket.SocketError) => fromSocketError(name, tls, error)
    const pull = yield* Socket.readerBytes(duplex).pipe(
      Effect.mapError((error) => toError(error) ?? closedError(name))
    )
    const writer = yield* duplex.writer
    const incoming = Stream.fromPull(Effect.succeed(
      pull.pipe(Effect.catch((error): Effect.Effect<never, TransportError | Cause.Done> => {
        const failure = toError(error)
        return failure === undefined ? Cause.done() : Effect.fail(failure)
      }))
    ))
    return Transport.Transport.of({
      remote: name,
      send: (data) => Effect.mapError(writer.write(data), (error) => toError(error) ?? closedError(name)),
      incoming,
      close: Effect.sync(() => socket.destroy())
    })
  })

const closedError = (remote: string): TransportError =>
  fromSocketError(
    remote,
    false,
    new Socket.SocketError({ reason: new Socket.SocketCloseError({ code: 1006 }) })
  )!

/** The name of an accepted connection, as ovsdb-server's log names them. */
const peerName = (passive: Passive, socket: Net.Socket, serial: number): string =>
  passive._tag === "Punix"
    ? `unix#${serial}`
    : `${passive._tag === "Ptcp" ? "tcp" : "ssl"}:${
      socket.remoteFamily === "IPv6" ? `[${socket.remoteAddress}]` : socket.remoteAddress
    }:${socket.remotePort}`

const readTls = (files: TlsFiles) =>
  Effect.try({
    try: () => ({
      key: Fs.readFileSync(files.privateKey),
      cert: Fs.readFileSync(files.certificate),
      ca: Fs.readFileSync(files.caCert)
    }),
    catch: (cause) =>
      new ServerError({ reason: "Listen", detail: `cannot read the TLS files: ${String(cause)}`, cause })
  })

/** Removes a stale unix socket file, as ovsdb-server does before binding. */
const removeStale = (path: string) =>
  Effect.sync(() => {
    try {
      if (Fs.statSync(path).isSocket()) Fs.rmSync(path, { force: true })
    } catch {
      // nothing there
    }
  })

/**
 * Opens a listener and hands each connection to `onConnection` (with its name) in a fiber of its
 * own. The listener, and every connection, closes with the scope (a unix socket's file removed).
 *
 * @since 0.1.0
 * @category constructors
 */
export const listen = (
  remote: string,
  options: {
    readonly tls?: TlsFiles | undefined
    readonly onConnection: (transport: Transport.Transport["Service"], name: string) => Effect.Effect<void>
  }
): Effect.Effect<Listening, ServerError, Scope.Scope> =>
  Effect.gen(function*() {
    const passive = parse(remote)
    if (typeof passive === "string") return yield* new ServerError({ reason: "Listen", detail: passive })
    const secure = passive._tag === "Pssl"
    if (secure && options.tls === undefined) {
      return yield* new ServerError({
        reason: "Listen",
        detail: `${remote}: needs --private-key, --certificate and --ca-cert`
      })
    }
    const files = secure ? yield* readTls(options.tls!) : undefined
    const run = yield* FiberSet.makeRuntime<never, void, never>()
    let serial = 0
    const accept = (socket: Net.Socket) => {
      const name = peerName(passive, socket, ++serial)
      run(Effect.scoped(
        transportOf(socket, name, secure).pipe(
          Effect.flatMap((transport) => options.onConnection(transport, name)),
          Effect.ignore
        )
      ))
    }
    const server = files === undefined
      ? Net.createServer(accept)
      : Tls.createServer({ ...files, requestCert: true, rejectUnauthorized: true }, accept)
    // A client whose TLS handshake fails never becomes a connection; it must not fail the listener.
    server.on("tlsClientError", () => undefined)
    if (passive._tag === "Punix") yield* removeStale(passive.path)
    yield* Effect.callback<void, ServerError>((resume) => {
      const onError = (cause: Error) =>
        resume(Effect.fail(new ServerError({ reason: "Listen", detail: `${remote}: listen failed: ${cause.message}` })))
      server.once("error", onError)
      const listening = () => {
        server.off("error", onError)
        resume(Effect.void)
      }
      if (passive._tag === "Punix") server.listen(passive.path, listening)
      else server.listen(passive.port, passive.host, listening)
    })
    server.on("error", () => undefined)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        server.close()
        if (passive._tag === "Punix") Fs.rmSync(passive.path, { force: true })
      })
    )
    const address = server.address()
    return { remote, port: typeof address === "object" && address !== null ? address.port : undefined }
  })
