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
import type { Scope } from "effect"
import { Array as Arr, Context, Deferred, Effect, Layer, Queue, Stream } from "effect"
import { Framer } from "./codec/Framer.js"
import { CodecError, TransportError } from "./Errors.js"
import * as Json from "./Json.js"
import * as JsonRpc from "./protocol/JsonRpc.js"
import { Transport } from "./Transport.js"

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
  /** The messages from the peer, in order. Single consumer. */
  readonly incoming: Stream.Stream<JsonRpc.Message, TransportError | CodecError>
  /** Closes the underlying connection. */
  readonly close: Effect.Effect<void>
}>()("effect-ovsdb/Codec") {}

/**
 * Encodes a message as the bytes of one JSON value.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (message: JsonRpc.Message): string => Json.stringify(JsonRpc.toJson(message))

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
    Stream.suspend(() => {
      const framer = new Framer({
        maxFrameBytes: options?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
        maxDepth: options?.maxDepth ?? DEFAULT_MAX_DEPTH
      })
      const toMessages = (chunk: Uint8Array): Effect.Effect<ReadonlyArray<JsonRpc.Message>, CodecError> => {
        const pushed = framer.push(chunk)
        if (pushed._tag === "Failure") {
          return Effect.fail(new CodecError({ reason: pushed.reason, detail: pushed.detail }))
        }
        const messages: Array<JsonRpc.Message> = []
        for (const value of pushed.values) {
          const message = JsonRpc.fromJson(value)
          if (message === undefined) {
            return Effect.fail(
              new CodecError({ reason: "NotJsonRpc", detail: `not a JSON-RPC message: ${excerpt(value)}` })
            )
          }
          messages.push(message)
        }
        return Effect.succeed(messages)
      }
      const atEnd = Stream.suspend(() =>
        framer.pending
          ? Stream.fail(new CodecError({ reason: "Malformed", detail: "connection ended inside a JSON value" }))
          : Stream.empty
      )
      // The messages of one read stay together as one chunk of the stream.
      return bytes.pipe(
        Stream.mapEffect(toMessages),
        Stream.filter(Arr.isReadonlyArrayNonEmpty),
        Stream.flattenArray,
        Stream.concat(atEnd)
      )
    })

/**
 * Builds the codec over the `Transport` in context.
 *
 * One writer fiber sends what queued up while the previous write was in flight as one write, so
 * many calls in flight cost few system calls. The bytes waiting are counted against
 * `maxOutgoingBytes`. A failed write, or a peer that stopped reading, fails the connection: the
 * incoming stream ends with that `TransportError`, so every waiting call learns why.
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

    const failWith = (error: TransportError) =>
      Effect.suspend(() => {
        if (failure !== undefined) return Effect.void
        failure = error
        return Deferred.fail(writeFailed, error).pipe(
          Effect.andThen(Queue.shutdown(outgoing)),
          Effect.andThen(transport.close)
        )
      })

    yield* Queue.takeAll(outgoing).pipe(
      Effect.flatMap((batch) => {
        const text = batch.length === 1 ? batch[0] : batch.join("")
        return Effect.andThen(transport.send(text), Effect.sync(() => (waiting -= Buffer.byteLength(text))))
      }),
      Effect.forever,
      Effect.catch(failWith),
      Effect.forkScoped
    )

    const send = (message: JsonRpc.Message) =>
      Effect.suspend(() => {
        if (failure !== undefined) return Effect.fail(failure)
        const text = encode(message)
        const bytes = Buffer.byteLength(text)
        if (waiting > 0 && waiting + bytes > limit) {
          const stalled = new TransportError({
            remote: transport.remote,
            reason: "Stalled",
            detail: `the peer is not reading: ${waiting} bytes wait to be written, and ${bytes} more would pass ` +
              `the limit of ${limit} bytes (maxOutgoingBytes)`
          })
          return Effect.andThen(failWith(stalled), Effect.fail(stalled))
        }
        if (!Queue.offerUnsafe(outgoing, text)) {
          return Effect.fail(
            failure ?? new TransportError({ remote: transport.remote, reason: "Closed", detail: "connection closed" })
          )
        }
        waiting += bytes
        return Effect.void
      })

    return Codec.of({
      send,
      // Closing the transport after a failed write also ends the read: report the write's failure.
      incoming: decode(options)(transport.incoming.pipe(Stream.mapError((error) => failure ?? error))).pipe(
        Stream.interruptWhen(Deferred.await(writeFailed))
      ),
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
