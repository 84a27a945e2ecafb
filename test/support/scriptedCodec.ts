/**
 * A `Codec` whose peer is the test, for unit tests of the layers above it: `sent` holds what the
 * client wrote, `inbound` feeds it messages (or a failure, or its end), `closed` completes when
 * the client closes it, and `readers` holds the reply readers registered, by request id, each
 * with how many messages had been sent when it was.
 */
import type { Cause } from "effect"
import { Deferred, Effect, Queue, Stream } from "effect"
import { Codec } from "../../src/Codec.js"
import type { NestedReader } from "../../src/codec/SplitFrame.js"
import type { CodecError } from "../../src/Errors.js"
import type * as JsonRpc from "../../src/protocol/JsonRpc.js"

export const scriptedCodec = Effect.gen(function*() {
  const sent = yield* Queue.unbounded<JsonRpc.Message>()
  const inbound = yield* Queue.unbounded<JsonRpc.Message, CodecError | Cause.Done>()
  const closed = yield* Deferred.make<void>()
  const readers = new Map<number, { readonly reader: NestedReader; readonly sent: number }>()
  const codec = Codec.of({
    send: (message) => Queue.offer(sent, message).pipe(Effect.asVoid),
    sendUnsafe: (message) => {
      Queue.offerUnsafe(sent, message)
      return undefined
    },
    incoming: Stream.fromQueue(inbound),
    readReply: (id, reader) => {
      if (reader === undefined) readers.delete(id)
      else readers.set(id, { reader, sent: Queue.sizeUnsafe(sent) })
    },
    close: Deferred.succeed(closed, undefined).pipe(Effect.asVoid)
  })
  return { codec, sent, inbound, closed, readers }
})
