// The Ovsdb layer alone, over a scripted RpcClient: what it sends, how it reads replies, its spans.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, References, Tracer } from "effect"
import type { TransactionOutcomeUnknown } from "../src/Errors.js"
import type { Json } from "../src/Json.js"
import * as Ovsdb from "../src/Ovsdb.js"
import * as Op from "../src/protocol/Operation.js"
import { RpcClient } from "../src/RpcClient.js"

interface Seen {
  readonly method: string
  readonly params: ReadonlyArray<Json>
  readonly span: Option.Option<{ readonly name: string; readonly attributes: ReadonlyMap<string, unknown> }>
}

/** An RpcClient that answers from `replies` and records each call with the span it ran in. */
const scripted = (replies: { readonly [method: string]: Json }, seen: Array<Seen>) =>
  Layer.succeed(RpcClient, {
    call: (method, params) =>
      Effect.gen(function*() {
        const span = yield* Effect.option(Effect.currentSpan)
        seen.push({ method, params, span })
        return replies[method] ?? null
      }),
    notify: () => Effect.void,
    subscribe: Effect.die("not used"),
    route: () => Effect.die("not used"),
    listen: () => Effect.die("not used"),
    closed: Effect.never
  })

const withOvsdb = <A, E>(
  replies: { readonly [method: string]: Json },
  use: (ovsdb: Ovsdb.Ovsdb["Service"], seen: ReadonlyArray<Seen>) => Effect.Effect<A, E>
) => {
  const seen: Array<Seen> = []
  return Ovsdb.Ovsdb.use((ovsdb) => use(ovsdb, seen)).pipe(
    Effect.provide(Ovsdb.layerRpc.pipe(Layer.provide(scripted(replies, seen))))
  )
}

describe("Ovsdb over a scripted RpcClient", () => {
  it.effect("sends transact with the database and the operations' JSON", () =>
    withOvsdb(
      { transact: [{ uuid: ["uuid", "016d253f-49ca-44be-8bad-36063337465e"] }, {}] },
      (ovsdb, seen) =>
        Effect.gen(function*() {
          const [inserted] = yield* ovsdb.transact("db", Op.insert("T", { a: 1 }), Op.comment("c"))
          assert.strictEqual(inserted.uuid.value, "016d253f-49ca-44be-8bad-36063337465e")
          assert.deepStrictEqual(seen[0]!.params, ["db", { op: "insert", table: "T", row: { a: 1 } }, {
            op: "comment",
            comment: "c"
          }])
        })
    ))

  /** A tracing backend that keeps every span it is asked for. */
  const recordingTracer = (spans: Array<Tracer.Span>) =>
    Tracer.make({
      span: (options) => {
        const span = new Tracer.NativeSpan(options)
        spans.push(span)
        return span
      }
    })

  it.effect("runs each call in a span named after the method, with its database, for a tracing backend", () => {
    const spans: Array<Tracer.Span> = []
    return withOvsdb({ transact: [{}], list_dbs: ["db"] }, (ovsdb, seen) =>
      Effect.gen(function*() {
        yield* ovsdb.transact("db", Op.comment("c"))
        yield* ovsdb.listDbs
        const [transact, listDbs] = seen.map((s) => Option.getOrUndefined(s.span))
        assert.strictEqual(transact?.name, "Ovsdb.transact")
        assert.strictEqual(transact?.attributes.get("database"), "db")
        assert.strictEqual(transact?.attributes.get("operations"), 1)
        assert.strictEqual(listDbs?.name, "Ovsdb.listDbs")
        assert.deepStrictEqual(spans.map((span) => [span.name, span.status._tag]), [
          ["Ovsdb.transact", "Ended"],
          ["Ovsdb.listDbs", "Ended"]
        ])
      })).pipe(Effect.provideService(Tracer.Tracer, recordingTracer(spans)))
  })

  it.effect("makes no span when tracing is off", () => {
    const spans: Array<Tracer.Span> = []
    return withOvsdb({ transact: [{}] }, (ovsdb, seen) =>
      Effect.gen(function*() {
        yield* ovsdb.transact("db", Op.comment("c"))
        assert.isTrue(Option.isNone(seen[0]!.span))
        assert.strictEqual(spans.length, 0)
      })).pipe(
        Effect.provideService(Tracer.Tracer, recordingTracer(spans)),
        Effect.provideService(References.TracerEnabled, false)
      )
  })

  it.effect("makes no span when no tracing backend is installed", () =>
    withOvsdb({ transact: [{}] }, (ovsdb, seen) =>
      Effect.gen(function*() {
        yield* ovsdb.transact("db", Op.comment("c"))
        assert.isTrue(Option.isNone(seen[0]!.span))
      })))

  it.effect("fails with a ProtocolError when a reply has the wrong shape", () =>
    withOvsdb(
      { list_dbs: { not: "a list" }, echo: "x", transact: { no: 1 }, get_schema: [] },
      (ovsdb) =>
        Effect.gen(function*() {
          const calls: ReadonlyArray<Effect.Effect<unknown, Ovsdb.CallError | TransactionOutcomeUnknown>> = [
            ovsdb.listDbs,
            ovsdb.echo(),
            ovsdb.transactJson("db", []),
            ovsdb.getSchema("db")
          ]
          for (const call of calls) {
            const error = yield* Effect.flip(call)
            assert.strictEqual(error._tag, "ProtocolError")
          }
        })
    ))

  it.effect("shows a wrong reply holding 64-bit integers exactly, rather than failing to show it", () =>
    withOvsdb(
      {
        list_dbs: [9223372036854775807n],
        get_server_id: { id: -9223372036854775808n },
        transact: [{ error: 2n ** 60n }]
      },
      (ovsdb) =>
        Effect.gen(function*() {
          const dbs = yield* Effect.flip(ovsdb.listDbs)
          assert.include(dbs.message, "[9223372036854775807]")
          const id = yield* Effect.flip(ovsdb.getServerId)
          assert.include(id.message, "{\"id\":-9223372036854775808}")
          const failed = yield* Effect.flip(ovsdb.transact("db", Op.comment("c")))
          assert.strictEqual(failed._tag, "TransactionError")
          if (failed._tag === "TransactionError") assert.strictEqual(failed.error, "1152921504606846976")
        })
    ))
})
