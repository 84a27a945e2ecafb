// Unit tests of the Codec's writer and reader over a scripted Transport.
import { assert, describe, it } from "@effect/vitest"
import type { Cause } from "effect"
import { Deferred, Effect, Exit, Fiber, Layer, Option, Queue, Stream } from "effect"
import * as Codec from "../src/Codec.js"
import { TransportError } from "../src/Errors.js"
import * as JsonRpc from "../src/protocol/JsonRpc.js"
import { Transport } from "../src/Transport.js"

/**
 * A transport whose peer is the test: `written` holds each write as it was made, `accept` decides
 * whether a write is taken at once (true), never completes (false: a peer that stopped reading),
 * or fails; `inbound` feeds the read side, which ends when the transport is closed.
 */
const scriptedTransport = (accept: (write: number) => boolean | TransportError = () => true) =>
  Effect.gen(function*() {
    const written: Array<string> = []
    const inbound = yield* Queue.unbounded<Uint8Array, TransportError | Cause.Done>()
    const closed = yield* Deferred.make<void>()
    const transport = Transport.of({
      remote: "unix:test",
      send: (data) =>
        Effect.suspend(() => {
          const verdict = accept(written.length)
          written.push(typeof data === "string" ? data : Buffer.from(data).toString("utf8"))
          return verdict === true ? Effect.void : verdict === false ? Effect.never : Effect.fail(verdict)
        }),
      incoming: Stream.fromQueue(inbound),
      close: Deferred.succeed(closed, undefined).pipe(Effect.andThen(Queue.end(inbound)), Effect.asVoid)
    })
    return { transport, written, inbound, closed }
  })

const withCodec = <A, E>(
  peer: Effect.Success<ReturnType<typeof scriptedTransport>>,
  body: (codec: Codec.Codec["Service"]) => Effect.Effect<A, E>,
  options?: Codec.Options
) =>
  Codec.Codec.use(body).pipe(
    Effect.provide(Codec.layer(options).pipe(Layer.provide(Layer.succeed(Transport, peer.transport))))
  )

const request = (id: number) => JsonRpc.request("transact", ["OVN_Northbound", { op: "comment", comment: "x" }], id)

describe("Codec", () => {
  it.effect("an idle writer writes a message within the send that makes it, not on a later tick", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedTransport()
      yield* withCodec(peer, (codec) =>
        Effect.gen(function*() {
          // Nothing yields to the scheduler here: what is written was written by the sends themselves.
          yield* codec.send(request(0))
          assert.deepStrictEqual(peer.written, [Codec.encode(request(0))])
          assert.isUndefined(codec.sendUnsafe(request(1)))
          assert.deepStrictEqual(peer.written, [Codec.encode(request(0)), Codec.encode(request(1))])
        }))
    }))

  it.effect("messages sent while a write waits go out together, in order, in the next write", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const peer = yield* scriptedTransport()
      const slow = Transport.of({
        ...peer.transport,
        // The first write waits until released, as a socket waits for its buffer to drain.
        send: (data) =>
          Effect.andThen(
            peer.transport.send(data),
            Effect.suspend(() => peer.written.length === 1 ? Deferred.await(release) : Effect.void)
          )
      })
      yield* withCodec({ ...peer, transport: slow }, (codec) =>
        Effect.gen(function*() {
          for (let id = 0; id < 4; id++) assert.isUndefined(codec.sendUnsafe(request(id)))
          assert.strictEqual(peer.written.length, 1)
          yield* Deferred.succeed(release, undefined)
          for (let spins = 0; peer.written.length < 2 && spins < 1000; spins++) yield* Effect.yieldNow
          assert.deepStrictEqual(peer.written, [
            Codec.encode(request(0)),
            [1, 2, 3].map((id) => Codec.encode(request(id))).join("")
          ])
        }))
    }))

  it.effect("a peer that stops reading fails the connection as Stalled, closes it and ends the incoming stream", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedTransport(() => false)
      const one = Buffer.byteLength(Codec.encode(request(0)))
      yield* withCodec(peer, (codec) =>
        Effect.gen(function*() {
          const reading = yield* Effect.forkChild(Effect.exit(Stream.runDrain(codec.incoming)))
          yield* Effect.yieldNow
          let failed: TransportError | undefined
          for (let id = 0; failed === undefined && id < 100; id++) {
            failed = yield* codec.send(request(id)).pipe(Effect.flip, Effect.option, Effect.map(Option.getOrUndefined))
          }
          assert.strictEqual(failed?.reason, "Stalled")
          assert.isTrue(yield* Deferred.isDone(peer.closed))
          const exit = yield* Fiber.join(reading)
          assert.isTrue(Exit.isFailure(exit))
          if (Exit.isFailure(exit)) assert.strictEqual(exit.cause.reasons.find((r) => r._tag === "Fail")?.error, failed)
          // Later sends fail at once with the same reason.
          assert.strictEqual(codec.sendUnsafe(request(999)), failed)
          assert.strictEqual(yield* Effect.flip(codec.send(request(1000))), failed)
        }), { maxOutgoingBytes: one * 3 })
    }))

  it.effect("a failed write fails the incoming stream with the write's failure, not the close it causes", () =>
    Effect.gen(function*() {
      const broken = new TransportError({ remote: "unix:test", reason: "Write", detail: "EPIPE" })
      const peer = yield* scriptedTransport(() => broken)
      yield* withCodec(peer, (codec) =>
        Effect.gen(function*() {
          const reading = yield* Effect.forkChild(Effect.exit(Stream.runDrain(codec.incoming)))
          yield* Effect.yieldNow
          yield* codec.send(request(0))
          const exit = yield* Fiber.join(reading)
          assert.isTrue(yield* Deferred.isDone(peer.closed))
          assert.isTrue(Exit.isFailure(exit))
          if (Exit.isFailure(exit)) assert.strictEqual(exit.cause.reasons.find((r) => r._tag === "Fail")?.error, broken)
        }))
    }))

  it.effect("reads messages in order, across reads that split one", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedTransport()
      const text = Codec.encode(JsonRpc.response(1, [])) + Codec.encode(JsonRpc.response(2, []))
      const chunks = yield* withCodec(peer, (codec) =>
        Effect.gen(function*() {
          yield* Queue.offer(peer.inbound, Buffer.from(text.slice(0, 5)))
          yield* Queue.offer(peer.inbound, Buffer.from(text.slice(5)))
          yield* Queue.offer(peer.inbound, Buffer.from(Codec.encode(JsonRpc.response(3, []))))
          yield* Queue.end(peer.inbound)
          const chunks: Array<ReadonlyArray<JsonRpc.Message>> = []
          yield* codec.incoming.pipe(Stream.runForEachArray((messages) => Effect.sync(() => chunks.push(messages))))
          return chunks
        }))
      assert.deepStrictEqual(chunks.flat().map((m) => (m as JsonRpc.Response).id), [1, 2, 3])
    }))

  it.effect("a stream that ends inside a message fails as Malformed", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedTransport()
      const error = yield* withCodec(peer, (codec) =>
        Effect.gen(function*() {
          yield* Queue.offer(peer.inbound, Buffer.from("{\"id\":1,"))
          yield* Queue.end(peer.inbound)
          return yield* Effect.flip(Stream.runDrain(codec.incoming))
        }))
      assert.strictEqual(error._tag, "CodecError")
      if (error._tag === "CodecError") assert.strictEqual(error.reason, "Malformed")
    }))
})
