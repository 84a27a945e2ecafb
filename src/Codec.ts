/**
 * Bytes ⇄ JSON-RPC messages over a `Transport`.
 *
 * An OVSDB peer sends JSON values back to back with no delimiter (RFC 7047 §4 leaves framing to the
 * JSON grammar), and a value may arrive split at any byte. The codec frames the incoming bytes
 * incrementally (see `codec/Framer`), reads each frame as a JSON-RPC message, and fails the incoming
 * stream with a `CodecError` on the first malformed, oversized or too deeply nested frame, closing
 * the connection: a byte stream that lost its framing cannot be trusted again (ovsdb-server does the
 * same).
 *
 * @since 0.1.0
 */
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Pull from "effect/Pull"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Framer } from "./codec/Framer.js"
import type { NestedReader } from "./codec/SplitFrame.js"
import { CodecError, TransportError } from "./Errors.js"
import * as Json from "./Json.js"
import * as JsonRpc from "./protocol/JsonRpc.js"
import { Transport } from "./Transport.js"

/**
 * Takes each row (each value five deep) of a reply as soon as it is parsed, with its marker's
 * index; the reply keeps the marker `[marker]` in the row's place. It must not throw. See
 * `Monitor.ReplyRows`, the reader of monitor replies.
 *
 * @since 0.1.0
 * @category models
 */
export type { NestedReader }

/**
 * Codec options.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The largest single message accepted, in bytes. Default: 512 MiB. */
  readonly maxFrameBytes?: number | undefined
  /**
   * The deepest nesting of arrays and objects accepted in a message, the message itself counted;
   * a deeper one fails the stream with a `CodecError` "TooDeep" as soon as it passes the limit.
   * Default: `DEFAULT_MAX_DEPTH` (1000).
   */
  readonly maxDepth?: number | undefined
  /**
   * The most bytes that may wait to be written: messages queued, and those handed to the socket
   * that it has not yet passed on. A message that would take the total past it (unless nothing
   * else is waiting: a single message of any size goes) fails the connection with
   * `TransportError` reason `Stalled`: the peer has stopped reading, and memory would otherwise
   * grow without bound, e.g. with the answers to its `echo` probes. Default: 64 MiB.
   */
  readonly maxOutgoingBytes?: number | undefined
}

/**
 * The default largest message: large enough for the initial contents of big OVN databases.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_FRAME_BYTES = 512 * 1024 * 1024

/**
 * The default bound on bytes waiting to be written: far more than a healthy peer ever leaves
 * unread, and a bounded cost when one stops reading.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_OUTGOING_BYTES = 64 * 1024 * 1024

/**
 * The default deepest nesting: 1000 levels, the limit of ovsdb-server's own JSON parser, so that
 * whatever the server can read, and send back, is read here too. OVSDB values are a few levels
 * deep; a reply nested deeper is refused before anything walks it.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_DEPTH = Json.DEFAULT_MAX_DEPTH

/**
 * The service: send and receive JSON-RPC messages.
 *
 * @since 0.1.0
 * @category services
 */
export class Codec extends Context.Service<Codec, {
  /** Encodes and writes one message. */
  readonly send: (message: JsonRpc.Message) => Effect.Effect<void, TransportError>
  /**
   * `send` done at once, outside any Effect, for a caller that must send and start waiting in one
   * step (`RpcClient.call`): the message is queued for writing (or written, when the writer is
   * idle), or the connection's failure is returned.
   */
  readonly sendUnsafe: (message: JsonRpc.Message) => TransportError | undefined
  /** The messages from the peer, in order. Single consumer. */
  readonly incoming: Stream.Stream<JsonRpc.Message, TransportError | CodecError>
  /**
   * Has the reply to request `id`, should it span reads and begin `{"id":ID,"result":` (as
   * ovsdb-server's and this library's do), read as it arrives: `reader` takes each value nested
   * `SPLIT_DEPTH` deep (a row of a monitor's reply) as soon as it is parsed, and the reply keeps a
   * marker `[i]` in its place (see `codec/SplitFrame`). `undefined` forgets the request's reader,
   * which the reply itself also does. A codec without it (a test's) leaves every reply whole.
   */
  readonly readReply?: ((id: number, reader: NestedReader | undefined) => void) | undefined
  /** Closes the underlying connection. */
  readonly close: Effect.Effect<void>
}>()("effect-ovsdb/Codec") {}

/**
 * Encodes a message as the bytes of one JSON value.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (message: JsonRpc.Message): string => {
  // The text of `JsonRpc.toJson(message)`, written without building that object first.
  switch (message._tag) {
    case "Request":
      return `{"method":${JSON.stringify(message.method)},"params":${Json.stringify(message.params)},"id":${
        Json.stringify(message.id)
      }}`
    case "Notification":
      return `{"method":${JSON.stringify(message.method)},"params":${Json.stringify(message.params)},"id":null}`
    case "Response":
      return message.error === null
        ? `{"id":${Json.stringify(message.id)},"result":${Json.stringify(message.result)},"error":null}`
        : `{"id":${Json.stringify(message.id)},"error":${Json.stringify(message.error)}}`
  }
}

/** The id of a reply, from a frame's first bytes when they begin `{"id":ID,"result":`. */
const REPLY_HEAD = /^\{"id":(\d{1,15}),"result":/

/** The id a frame's first bytes give it as a reply, if they do. */
const replyId = (head: Uint8Array): number | undefined => {
  const match = REPLY_HEAD.exec(Buffer.from(head.buffer, head.byteOffset, head.length).toString("latin1"))
  return match === null ? undefined : Number(match[1])
}

const excerpt = (json: Json.Json): string => {
  const text = Json.stringify(json)
  return text.length > 80 ? `${text.slice(0, 80)}…` : text
}

/**
 * Turns a stream of bytes into the JSON-RPC messages it carries.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode =
  (options?: Options) =>
  <E, R>(bytes: Stream.Stream<Uint8Array, E, R>): Stream.Stream<JsonRpc.Message, E | CodecError, R> =>
    framed(bytes, options, () => undefined, undefined)

/**
 * `decode`, where `failed` names a failure that overrides how the bytes end (a failed write, which
 * closes the connection and so ends the read too), and `readers` the readers of replies by request
 * id (`readReply`). One step per read, from bytes to messages: a reply costs no more stream stages
 * than it must.
 */
const framed = <E, R>(
  bytes: Stream.Stream<Uint8Array, E, R>,
  options: Options | undefined,
  failed: () => E | undefined,
  readers: Map<number, NestedReader> | undefined
): Stream.Stream<JsonRpc.Message, E | CodecError, R> =>
  Stream.transformPull(bytes, (pullBytes) => {
    /** The reply being read by its reader: the frame that spans reads now. */
    let reading: { readonly id: number } | undefined
    const readerFor = readers === undefined ? undefined : (head: Uint8Array): NestedReader | undefined => {
      const id = replyId(head)
      const reader = id === undefined ? undefined : readers.get(id)
      if (id === undefined || reader === undefined) return undefined
      readers.delete(id)
      reading = { id }
      return reader
    }
    const framer = new Framer({
      maxFrameBytes: options?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      maxDepth: options?.maxDepth ?? DEFAULT_MAX_DEPTH,
      readerFor
    })
    type Next = Pull.Pull<Arr.NonEmptyReadonlyArray<JsonRpc.Message>, E | CodecError>
    const notJsonRpc = (detail: string) => Effect.fail(new CodecError({ reason: "NotJsonRpc", detail }))
    const toMessages = (chunks: Arr.NonEmptyReadonlyArray<Uint8Array>): Next => {
      const messages: Array<JsonRpc.Message> = []
      for (const chunk of chunks) {
        // A frame pending before this read is the first that the read can end.
        const read = reading
        const pushed = framer.push(chunk)
        if (pushed._tag === "Failure") {
          return Effect.fail(new CodecError({ reason: pushed.reason, detail: pushed.detail }))
        }
        for (let i = 0; i < pushed.values.length; i++) {
          const value = pushed.values[i]!
          const message = JsonRpc.fromJson(value)
          if (message === undefined) return notJsonRpc(`not a JSON-RPC message: ${excerpt(value)}`)
          if (message._tag === "Response" && typeof message.id === "number") readers?.delete(message.id)
          if (i === 0 && read !== undefined) {
            // Its rows went to the reader of the reply its first bytes named: it must be that reply.
            if (message._tag !== "Response" || message.id !== read.id) {
              return notJsonRpc(`a message that began as the reply to request ${read.id} is not: ${excerpt(value)}`)
            }
            if (reading === read) reading = undefined
          }
          messages.push(message)
        }
      }
      // The messages of one read stay together as one chunk of the stream; a read that completes
      // no message is followed by the next.
      return Arr.isArrayNonEmpty(messages) ? Effect.succeed(messages) : pull
    }
    const onEnd = (cause: Cause.Cause<E | Cause.Done>): Next => {
      const override = failed()
      if (override !== undefined) return Effect.fail(override)
      if (!Pull.isDoneCause(cause)) return Effect.failCause(cause as Cause.Cause<E>)
      return framer.pending
        ? Effect.fail(new CodecError({ reason: "Malformed", detail: "connection ended inside a JSON value" }))
        : Cause.done()
    }
    const pull: Next = Effect.matchCauseEffect(pullBytes, { onSuccess: toMessages, onFailure: onEnd })
    return Effect.succeed(pull)
  })

/** The bytes a burst of messages, sent in one turn of the event loop, is written in. */
const BURST_WRITE_BYTES = 16 * 1024

/**
 * Builds the codec over the `Transport` in context.
 *
 * One writer fiber sends what queued up while the previous write was in flight as one write, so
 * many calls in flight cost few system calls; an idle writer writes a message at once, within the
 * send, so the first requests of a burst reach the peer while the rest are still being made. The
 * bytes waiting are counted against `maxOutgoingBytes`. A failed write, or a peer that stopped
 * reading, fails the connection: the transport is closed, and the incoming stream ends with that
 * `TransportError` (never as a clean close), so every waiting call learns why.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: Options): Effect.Effect<Codec["Service"], never, Transport | Scope.Scope> =>
  Effect.gen(function*() {
    const transport = yield* Transport
    const limit = options?.maxOutgoingBytes ?? DEFAULT_MAX_OUTGOING_BYTES
    const outgoing = yield* Queue.unbounded<string>()
    const writeFailed = yield* Deferred.make<never, TransportError>()
    let failure: TransportError | undefined
    /** Bytes queued or being written, not yet taken by the socket. */
    let waiting = 0
    /** Bytes queued since the writer last took them. */
    let queued = 0
    /** Whether a message was written at once during this turn of the event loop. */
    let turnStarted = false
    const endTurn = () => {
      turnStarted = false
    }

    /** Fails the connection: nothing more is written, and the closer below closes the transport. */
    const failWith = (error: TransportError): void => {
      if (failure !== undefined) return
      failure = error
      Queue.shutdownUnsafe(outgoing)
      Deferred.doneUnsafe(writeFailed, Exit.fail(error))
    }

    yield* Effect.forkScoped(Effect.andThen(Effect.exit(Deferred.await(writeFailed)), transport.close), {
      startImmediately: true
    })

    yield* Queue.takeAll(outgoing).pipe(
      Effect.flatMap((batch) => {
        queued = 0
        const text = batch.length === 1 ? batch[0] : batch.join("")
        return Effect.andThen(transport.send(text), Effect.sync(() => (waiting -= Buffer.byteLength(text))))
      }),
      // No yield between writes: the loop waits in takeAll whenever nothing is queued anyway.
      Effect.forever({ disableYield: true }),
      Effect.catch((error) => Effect.sync(() => failWith(error))),
      // Waiting from the start, so that even the first messages are written as they are sent.
      Effect.forkScoped({ startImmediately: true })
    )

    const sendUnsafe = (message: JsonRpc.Message): TransportError | undefined => {
      if (failure !== undefined) return failure
      const text = encode(message)
      const bytes = Buffer.byteLength(text)
      if (waiting > 0 && waiting + bytes > limit) {
        const stalled = new TransportError({
          remote: transport.remote,
          reason: "Stalled",
          detail: `the peer is not reading: ${waiting} bytes wait to be written, and ${bytes} more would pass ` +
            `the limit of ${limit} bytes (maxOutgoingBytes)`
        })
        failWith(stalled)
        return stalled
      }
      waiting += bytes
      if (!Queue.offerUnsafe(outgoing, text)) {
        waiting -= bytes
        return failure ??
          new TransportError({ remote: transport.remote, reason: "Closed", detail: "connection closed" })
      }
      queued += bytes
      // The first message of a turn of the event loop is written now, in this call: a lone request
      // waits for nothing, and the first of a burst of calls reaches the peer while the rest are
      // being made. The rest of a burst go out in writes of BURST_WRITE_BYTES, the remainder when
      // the turn ends (offerUnsafe has scheduled it): few system calls, and the peer never idle.
      if (!turnStarted) {
        turnStarted = true
        queueMicrotask(endTurn)
        Queue.flushUnsafe(outgoing)
      } else if (queued >= BURST_WRITE_BYTES) {
        Queue.flushUnsafe(outgoing)
      }
      return undefined
    }

    const readers = new Map<number, NestedReader>()
    return Codec.of({
      send: (message) =>
        Effect.suspend(() => {
          const failed = sendUnsafe(message)
          return failed === undefined ? Effect.void : Effect.fail(failed)
        }),
      sendUnsafe,
      // A failed write closes the transport, which ends the read: report the write's failure.
      incoming: framed(transport.incoming, options, () => failure, readers),
      readReply: (id, reader) => {
        if (reader === undefined) readers.delete(id)
        else readers.set(id, reader)
      },
      close: transport.close
    })
  })

/**
 * The codec layer; needs a `Transport`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<Codec, never, Transport> => Layer.effect(Codec, make(options))
