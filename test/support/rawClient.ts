/**
 * A raw JSON-RPC client for protocol tests: it sends JSON text as given and reads back every
 * message, so a test sees exactly what a server sends (notifications and replies, in order) and
 * when it closes the connection. Over a unix socket (a real ovsdb-server, or `effect-ovsdb serve`),
 * or over an in-memory pipe to a `Server` in the same process.
 *
 * `call` sends a request and returns everything that arrived up to and including its reply; the
 * notifications a commit causes on another connection are collected with `sync`, an `echo` round
 * trip: a server sends a session's pending updates before any reply on it.
 */
import { Cause, Effect, Queue, Stream } from "effect"
import type { Scope } from "effect"
import * as Net from "node:net"
import { Framer } from "../../src/codec/Framer.js"
import * as Json from "../../src/Json.js"
import type { Server } from "../../src/server/Server.js"
import * as TestServer from "../../src/server/TestServer.js"

/** What a raw client read: a message, or the end of the connection. */
export type Received = Json.Json | "EOF"

export interface RawClient {
  /** Sends text, or a JSON value as text. */
  readonly send: (message: Json.Json | string) => Effect.Effect<void>
  /** The next message (or `EOF`), waiting at most `millis` (then fails the test). */
  readonly next: (millis?: number) => Effect.Effect<Received>
  /** Sends a request and returns what arrived up to its reply, the reply last. */
  readonly call: (method: string, params: ReadonlyArray<Json.Json>) => Effect.Effect<ReadonlyArray<Received>>
  /** Everything that arrived before the reply to a fresh `echo` (the notifications pending on this session). */
  readonly sync: Effect.Effect<ReadonlyArray<Received>>
}

const isReplyTo = (message: Received, id: Json.Json): boolean => {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return false
  const record = message as { readonly [key: string]: Json.Json }
  return record.method === undefined && record.id !== undefined && Json.stringify(record.id) === Json.stringify(id)
}

/** A client over a queue of received messages, fed by `push` and ended by `end`. */
const makeClient = (write: (text: string) => void, inbox: Queue.Queue<Received>): RawClient => {
  let serial = 0
  // Real time, whatever clock the test provides.
  const next = (millis = 10_000) =>
    Effect.raceFirst(
      Queue.take(inbox),
      Effect.callback<never>((resume) => {
        const timer = setTimeout(() => resume(Effect.die(new Error(`no message within ${millis} ms`))), millis)
        return Effect.sync(() => clearTimeout(timer))
      })
    )
  const until = (id: Json.Json) =>
    Effect.gen(function*() {
      const received: Array<Received> = []
      while (true) {
        const message = yield* next()
        received.push(message)
        if (message === "EOF" || isReplyTo(message, id)) return received
      }
    })
  const send = (message: Json.Json | string) =>
    Effect.sync(() => write(typeof message === "string" ? message : Json.stringify(message) ?? "null"))
  return {
    send,
    next,
    call: (method, params) => {
      const id = `raw-${++serial}`
      return Effect.andThen(send({ method, params, id }), until(id))
    },
    sync: Effect.suspend(() => {
      const id = `sync-${++serial}`
      return Effect.andThen(send({ method: "echo", params: [], id }), until(id)).pipe(
        Effect.map((received) => received.slice(0, -1))
      )
    })
  }
}

/** Feeds framed JSON values from bytes into the inbox; a framing failure is reported as a message. */
const feeder = (inbox: Queue.Queue<Received>) => {
  const framer = new Framer({ maxFrameBytes: 1 << 30 })
  return (bytes: Uint8Array) => {
    const pushed = framer.push(bytes)
    if (pushed._tag === "Failure") throw new Error(`the server sent a malformed frame: ${pushed.detail}`)
    for (const value of pushed.values) Queue.offerUnsafe(inbox, value)
  }
}

/** A raw client on a unix socket (or TCP port), for the scope. */
export const connectUnix = (
  address: Net.NetConnectOpts
): Effect.Effect<RawClient, never, Scope.Scope> =>
  Effect.gen(function*() {
    const inbox = yield* Queue.unbounded<Received>()
    const feed = feeder(inbox)
    const socket = yield* Effect.acquireRelease(
      Effect.callback<Net.Socket>((resume) => {
        const socket = Net.createConnection(address)
        socket.once("connect", () => resume(Effect.succeed(socket)))
        socket.once("error", (error) => resume(Effect.die(error)))
      }),
      (socket) => Effect.sync(() => socket.destroy())
    )
    socket.on("data", feed)
    socket.on("error", () => undefined)
    socket.on("close", () => Queue.offerUnsafe(inbox, "EOF"))
    return makeClient((text) => socket.write(text), inbox)
  })

/** A raw client of the `Server` given, over an in-memory pipe, for the scope. */
export const connectInMemory = (server: Server["Service"]): Effect.Effect<RawClient, never, Scope.Scope> =>
  Effect.gen(function*() {
    const inbox = yield* Queue.unbounded<Received>()
    const feed = feeder(inbox)
    const [client, served] = yield* TestServer.pipe("unix:raw")
    yield* Effect.forkScoped(server.serve(served))
    yield* client.incoming.pipe(
      Stream.runForEach((bytes) => Effect.sync(() => feed(bytes))),
      Effect.catchCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.die(Cause.squash(cause))),
      Effect.ensuring(Effect.sync(() => Queue.offerUnsafe(inbox, "EOF"))),
      Effect.forkScoped
    )
    return makeClient((text) => Effect.runSync(Effect.ignore(client.send(text))), inbox)
  })
