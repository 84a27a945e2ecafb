// Unit tests of the Codec's writer and reader over a scripted Transport.
import { assert, describe, it } from "@effect/vitest"
import type { Cause } from "effect"
import { Deferred, Effect, Exit, Fiber, Layer, Option, Queue, Result, Stream } from "effect"
import * as Codec from "../src/Codec.js"
import { TransportError } from "../src/Errors.js"
import * as Json from "../src/Json.js"
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
  it("encodes each kind of message as the JSON text of its wire object, bigints and deep values included", () => {
    const deep: Json.Json = Array.from({ length: 10_000 }).reduce<Json.Json>((inner) => [inner], 1)
    const messages: ReadonlyArray<JsonRpc.Message> = [
      JsonRpc.request("transact", ["db", { op: "insert", table: "T", row: { n: 9223372036854775807n } }], 7),
      JsonRpc.request("echo", [], "echo"),
      JsonRpc.notification("cancel", [3]),
      JsonRpc.notification("update", ["m\"1", deep]),
      JsonRpc.response(4, [{ uuid: ["uuid", "4a2b3c4d-1111-2222-3333-444455556666"] }]),
      { _tag: "Response", id: 5, result: null, error: { error: "syntax error", details: "\u0000" } }
    ]
    for (const message of messages) {
      const text = Codec.encode(message)
      assert.strictEqual(text, Json.stringify(JsonRpc.toJson(message)))
      if (!(message._tag === "Notification" && message.params[1] === deep)) {
        assert.deepStrictEqual(JsonRpc.fromJson(Result.getOrThrow(Json.parse(text))), message)
      }
    }
  })

  it.live("the first message of a turn is written within the send that makes it, not on a later tick", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedTransport()
      yield* withCodec(peer, (codec) =>
        Effect.gen(function*() {
          // Nothing yields to the scheduler here: what is written was written by the send itself.
          yield* codec.send(request(0))
          assert.deepStrictEqual(peer.written, [Codec.encode(request(0))])
          // The next turn's first message too.
          yield* Effect.sleep(1)
          assert.isUndefined(codec.sendUnsafe(request(1)))
          assert.deepStrictEqual(peer.written, [Codec.encode(request(0)), Codec.encode(request(1))])
        }))
    }))

  it.live("the rest of a burst goes out in writes of 16 KiB, and what is left when the turn ends", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedTransport()
      const count = 1000
      const texts = Array.from({ length: count }, (_, id) => Codec.encode(request(id)))
      const total = texts.join("")
      yield* withCodec(peer, (codec) =>
        Effect.gen(function*() {
          for (let id = 0; id < count; id++) assert.isUndefined(codec.sendUnsafe(request(id)))
          // Within the turn: the first message alone, then whole writes of at least 16 KiB.
          assert.strictEqual(peer.written[0], texts[0])
          assert.isAbove(peer.written.length, 2)
          for (const write of peer.written.slice(1)) assert.isAtLeast(Buffer.byteLength(write), 16 * 1024)
          const withinTurn = peer.written.join("").length
          assert.isBelow(withinTurn, total.length)
          for (let spins = 0; peer.written.join("").length < total.length && spins < 1000; spins++) {
            yield* Effect.sleep(1)
          }
          assert.strictEqual(peer.written.join(""), total)
          assert.isAtMost(peer.written.length, 2 + Math.ceil(Buffer.byteLength(total) / (16 * 1024)))
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

  /** A reply of one row, 5 deep, cut in two reads inside the row. */
  const rowReply = (id: number) => {
    const text = `{"id":${id},"result":{"T":{"u":{"initial":{"a":${id}}}}},"error":null}`
    const cut = text.indexOf("\"a\"")
    return [Buffer.from(text.slice(0, cut)), Buffer.from(text.slice(cut))]
  }

  /** The row of a reply to `rowReply`'s shape. */
  const rowOf = (
    message: JsonRpc.Message | undefined
  ) => (((message as JsonRpc.Response).result as { T: { u: { initial: Json.Json } } }).T.u.initial)

  it.effect("hands the rows of a reply that spans reads to the reader of its id, once, and the reply keeps markers", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedTransport()
      const read: Array<[number, Json.Json, number]> = []
      const reader = (id: number) => (value: Json.Json, marker: number) => void read.push([id, value, marker])
      const messages = yield* withCodec(peer, (codec) =>
        Effect.gen(function*() {
          codec.readReply!(1, reader(1))
          codec.readReply!(2, reader(2))
          codec.readReply!(3, reader(3))
          codec.readReply!(3, undefined) // forgotten
          const whole = Buffer.concat(rowReply(2))
          // 1: read by its reader; 2: whole in one read, which forgets its reader; then 2 and 3 again, split.
          for (const bytes of [...rowReply(1), whole, ...rowReply(2), ...rowReply(3)]) {
            yield* Queue.offer(peer.inbound, bytes)
          }
          yield* Queue.end(peer.inbound)
          return yield* codec.incoming.pipe(Stream.runCollect)
        }))
      assert.deepStrictEqual(read, [[1, { a: 1 }, 0]])
      assert.deepStrictEqual(messages.map(rowOf), [[0], { a: 2 }, { a: 2 }, { a: 3 }])
    }))

  it.effect("fails the stream when a message that began as the reply to a reader's request is not that reply", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedTransport()
      const error = yield* withCodec(peer, (codec) =>
        Effect.gen(function*() {
          codec.readReply!(1, () => {})
          // The last "id" of an object is its id: the message answers request 2, its rows read as 1's.
          const [head, rest] = rowReply(1)
          yield* Queue.offer(peer.inbound, head!)
          yield* Queue.offer(peer.inbound, Buffer.from(rest!.toString().replace("\"error\":null", "\"id\":2")))
          yield* Queue.end(peer.inbound)
          return yield* Effect.flip(Stream.runDrain(codec.incoming))
        }))
      assert.strictEqual(error._tag, "CodecError")
      if (error._tag === "CodecError") {
        assert.strictEqual(error.reason, "NotJsonRpc")
        assert.include(error.message, "began as the reply to request 1")
      }
    }))
})
