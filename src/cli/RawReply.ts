/**
 * A `transact` whose reply is kept as the bytes the server sent: for `effect-ovsdb transact` and
 * `query`, which print the result as ovsdb-client does and need nothing else of it. A reply of
 * 100,000 rows is some 60 MB of JSON; parsing it into values and writing them again costs several
 * times what `SortedJson` costs to reorder its text.
 *
 * One connection, one request: the reply is the frame that answers it (RFC 7047 §4: JSON-RPC 1.0,
 * frames back to back); the server's `echo` requests meanwhile are answered (ovsdb-server(7) §4.1.11),
 * its notifications let go. An error reply is read as `RpcClient` reads one.
 *
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { encode } from "../Codec.js"
import { Framer } from "../codec/Framer.js"
import { CodecError, ConnectionClosed, ProtocolError } from "../Errors.js"
import type { RpcError, TransportError } from "../Errors.js"
import * as Json from "../Json.js"
import * as JsonRpc from "../protocol/JsonRpc.js"
import { toRpcError } from "../RpcClient.js"
import type * as Transport from "../Transport.js"
import { member, sortedValue } from "./format/SortedJson.js"

/** The id of the one request: a reply with any other is not the one awaited. */
const ID = 0

/** The largest reply accepted: OVSDB has no limit of its own; this one only stops a runaway peer. */
const MAX_FRAME_BYTES = 2 ** 31 - 1

/**
 * The reply to `transact` with these params: its bytes, and where its `result` starts in them.
 *
 * @since 0.1.0
 * @category models
 */
export interface Reply {
  readonly bytes: Uint8Array
  readonly result: number
}

/** The compact text of the value starting at `at`, small values only (an id, a method name). */
const valueText = (bytes: Uint8Array, at: number | undefined): string | undefined =>
  at === undefined ? undefined : sortedValue(bytes, at)?.toString("utf8")

const NULL = Buffer.from("null")

const isNull = (bytes: Uint8Array, at: number): boolean => NULL.every((byte, k) => bytes[at + k] === byte)

const protocolError = (detail: string) => new ProtocolError({ method: "transact", detail })

/**
 * What to do with one frame: the reply (with its `result`'s place), an echo to answer, or nothing.
 * Only small frames are parsed; the reply is looked into only as far as its `id` and `result`.
 */
const classify = (
  frame: Uint8Array
): Effect.Effect<Reply | { readonly echo: Json.Json } | undefined, ProtocolError | RpcError> => {
  const id = valueText(frame, member(frame, "id"))
  if (id === JSON.stringify(ID)) {
    const result = member(frame, "result")
    // A `null` result is an error reply's; any other is this reply's (written out later, not here).
    if (result !== undefined && !isNull(frame, result)) return Effect.succeed({ bytes: frame, result })
    // An error reply: small, read whole.
    const parsed = Json.parse(Buffer.from(frame).toString("utf8"))
    if (parsed._tag === "Failure") return Effect.fail(protocolError(`a reply that is not JSON: ${parsed.failure}`))
    const message = JsonRpc.fromJson(parsed.success)
    if (message?._tag !== "Response") return Effect.fail(protocolError("a reply that is not a response"))
    return Effect.fail(toRpcError("transact", message.error))
  }
  if (valueText(frame, member(frame, "method")) === "\"echo\"") {
    const parsed = Json.parse(Buffer.from(frame).toString("utf8"))
    if (parsed._tag === "Success") {
      const message = JsonRpc.fromJson(parsed.success)
      if (message?._tag === "Request") {
        return Effect.succeed({ echo: JsonRpc.toJson(JsonRpc.response(message.id, message.params)) })
      }
    }
  }
  return Effect.succeed(undefined)
}

/**
 * Sends `transact` with `params` on `transport` and waits for its reply, answering the server's
 * echoes meanwhile. Fails as the library's `transactJson` does: `RpcError` for an error reply,
 * `ConnectionClosed` when the connection ends first or sends bytes that cannot be framed (too
 * deep, too large, not UTF-8), `ProtocolError` for a reply that is not a response.
 *
 * @since 0.1.0
 * @category requests
 */
export const transact = (
  transport: Transport.Transport["Service"],
  params: ReadonlyArray<Json.Json>
): Effect.Effect<Reply, TransportError | ConnectionClosed | ProtocolError | RpcError> =>
  Effect.gen(function*() {
    const reply = yield* Deferred.make<Reply, ConnectionClosed | ProtocolError | RpcError>()
    const framer = new Framer({ maxFrameBytes: MAX_FRAME_BYTES })
    const read = Stream.runForEach(transport.incoming, (chunk) =>
      Effect.gen(function*() {
        const pushed = framer.pushFrames(chunk)
        if (pushed._tag === "Failure") {
          // As RpcClient ends a connection on bytes it cannot frame: closed, for the codec's reason.
          const cause = new CodecError({ reason: pushed.reason, detail: pushed.detail })
          return yield* Effect.fail(new ConnectionClosed({ detail: cause.message, cause, requestSent: true }))
        }
        for (const frame of pushed.frames) {
          const what = yield* classify(frame)
          if (what === undefined) continue
          if ("echo" in what) yield* transport.send(encode(JsonRpc.fromJson(what.echo)!))
          else yield* Deferred.succeed(reply, what)
        }
      }).pipe(
        Effect.catch((error) =>
          Effect.asVoid(Deferred.fail(reply, error as ConnectionClosed | ProtocolError | RpcError))
        )
      ))
    yield* transport.send(encode(JsonRpc.request("transact", params, ID)))
    return yield* Effect.raceFirst(
      Deferred.await(reply),
      read.pipe(
        Effect.andThen(
          Effect.fail(
            new ConnectionClosed({ detail: `${transport.remote}: closed before the reply`, requestSent: true })
          )
        )
      )
    )
  })
