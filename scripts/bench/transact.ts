/**
 * Pipelined transact throughput: 10,000 small transactions in flight on one connection, through
 * the whole client stack (Ovsdb → RpcClient → Codec → Transport), against a raw node:net client
 * that writes the very same request bytes and only counts the replies. Both talk to the same real
 * ovsdb-server, alternately, so the server's own cost is in both figures.
 */
import * as Effect from "effect/Effect"
import * as References from "effect/References"
import * as Tracer from "effect/Tracer"
import * as Net from "node:net"
import { encode } from "../../src/Codec.js"
import * as Ovsdb from "../../src/Ovsdb.js"
import * as JsonRpc from "../../src/protocol/JsonRpc.js"
import * as Op from "../../src/protocol/Operation.js"
import { median, settle } from "./measure.js"

/** One pipelined run's figures. */
export interface TransactReport {
  readonly transactions: number
  /** The client as it runs by default, with no tracing backend installed. */
  readonly clientMillis: number
  /** The client under a tracing backend: a span around every call. */
  readonly tracedMillis: number
  /** The client with Effect's tracing turned off (`References.TracerEnabled`). */
  readonly untracedMillis: number
  readonly rawMillis: number
  /** Client throughput over raw throughput (>= 0.9 is the target). */
  readonly ratio: number
  readonly tracedRatio: number
  readonly untracedRatio: number
}

const DATABASE = "OVN_Northbound"

const insertRow = (prefix: string, i: number) => Op.insert("Address_Set", { name: `${prefix}_${i}` })

/** A tracing backend that keeps its spans in memory: what a span per call costs, without exporting. */
const inMemoryTracer = Tracer.make({ span: (options) => new Tracer.NativeSpan(options) })

/** How the application traces: Effect's default, under a backend, or with tracing turned off. */
type Tracing = "default" | "backend" | "off"

/** Runs `count` transactions through the library, all in flight at once. */
const viaClient = (unixPath: string, prefix: string, count: number, tracing: Tracing = "default") =>
  Effect.gen(function*() {
    const ovsdb = yield* Ovsdb.Ovsdb
    // The session is connected and has checked its server before the clock starts.
    yield* ovsdb.echo()
    const start = performance.now()
    yield* Effect.forEach(
      Array.from({ length: count }, (_, i) => i),
      (i) => ovsdb.transact(DATABASE, insertRow(prefix, i)),
      { concurrency: "unbounded", discard: true }
    )
    return performance.now() - start
  }).pipe(
    Effect.provide(Ovsdb.layer({ remote: `unix:${unixPath}` })),
    Effect.provideService(Tracer.Tracer, tracing === "backend" ? inMemoryTracer : Tracer.nativeTracer),
    Effect.provideService(References.TracerEnabled, tracing !== "off"),
    Effect.orDie
  )

/** Writes the same requests on a bare socket and waits for as many replies. */
const viaRaw = (unixPath: string, prefix: string, count: number) =>
  Effect.callback<number>((resume) => {
    const requests = Array.from(
      { length: count },
      (_, i) => encode(JsonRpc.request("transact", [DATABASE, insertRow(prefix, i).json], i))
    )
    const marker = "\"error\":null}"
    let seen = 0
    let tail = ""
    let start = 0
    const socket = Net.createConnection({ path: unixPath }, () => {
      start = performance.now()
      for (const request of requests) socket.write(request)
    })
    socket.setEncoding("utf8")
    socket.on("data", (text: string) => {
      const data = tail + text
      for (let at = data.indexOf(marker); at !== -1; at = data.indexOf(marker, at + marker.length)) seen++
      tail = data.slice(-marker.length + 1)
      if (seen === count) {
        const elapsed = performance.now() - start
        socket.end()
        resume(Effect.succeed(elapsed))
      }
    })
    socket.on("error", (error) => resume(Effect.die(error)))
  })

/**
 * Measures pipelined transactions against the server at `unixPath` (which must serve
 * OVN_Northbound), alternating client and raw runs, and reports the medians.
 */
export const benchTransact = (
  unixPath: string,
  options?: { readonly transactions?: number; readonly rounds?: number }
) =>
  Effect.gen(function*() {
    const count = options?.transactions ?? 10_000
    const rounds = options?.rounds ?? 5
    const run = `b${Date.now().toString(36)}` // names are unique in Address_Set: new ones each run
    yield* viaClient(unixPath, `${run}_warm_client`, 1_000)
    yield* viaRaw(unixPath, `${run}_warm_raw`, 1_000)
    const client: Array<number> = []
    const traced: Array<number> = []
    const untraced: Array<number> = []
    const raw: Array<number> = []
    // The table grows with every run and the server slows with it: each variant takes each place in turn.
    const variants = [
      (round: number) => Effect.map(viaRaw(unixPath, `${run}_raw${round}`, count), (ms) => raw.push(ms)),
      (round: number) => Effect.map(viaClient(unixPath, `${run}_client${round}`, count), (ms) => client.push(ms)),
      (round: number) =>
        Effect.map(viaClient(unixPath, `${run}_traced${round}`, count, "backend"), (ms) => traced.push(ms)),
      (round: number) =>
        Effect.map(viaClient(unixPath, `${run}_untraced${round}`, count, "off"), (ms) => untraced.push(ms))
    ]
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < variants.length; i++) {
        yield* settle
        yield* variants[(round + i) % variants.length]!(round)
      }
    }
    const clientMillis = median(client)
    const tracedMillis = median(traced)
    const untracedMillis = median(untraced)
    const rawMillis = median(raw)
    return {
      transactions: count,
      clientMillis,
      tracedMillis,
      untracedMillis,
      rawMillis,
      ratio: rawMillis / clientMillis,
      tracedRatio: rawMillis / tracedMillis,
      untracedRatio: rawMillis / untracedMillis
    } satisfies TransactReport
  })
