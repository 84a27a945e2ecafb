// Faults a real deployment meets, against a real ovsdb-server: a server killed with kill -9, a server
// stopped with SIGSTOP (it neither answers nor reads), and a peer that floods us with echo requests
// while never reading our answers (no real server does that, so a node:net peer plays it).
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Fiber, Layer, Scope } from "effect"
import { TestConsole } from "effect/testing"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { run } from "../src/cli/Cli.js"
import type { ConnectionClosed } from "../src/Errors.js"
import { TransportError } from "../src/Errors.js"
import * as Ovsdb from "../src/Ovsdb.js"
import * as Op from "../src/protocol/Operation.js"
import { eventually } from "./support/eventually.js"
import { byOutcome } from "./support/outcomes.js"
import { isAlive, OvsdbServer, runTool, type Server } from "./support/OvsdbServer.js"

const NB = "OVN_Northbound"

/** A connection to the server, open for the current scope. */
const connect = (options: Ovsdb.Options) =>
  Effect.map(Layer.build(Ovsdb.layerConnection(options)), (context) => Context.get(context, Ovsdb.Ovsdb))

/** Kills the server as a crash would (kill -9), and waits until its process is gone. */
const crash = (server: Server) =>
  Effect.andThen(
    Effect.sync(() => process.kill(server.pid, "SIGKILL")),
    eventually("the server's exit", Effect.sync(() => !isAlive(server.pid)))
  )

/** Stops the server (SIGSTOP: it neither answers nor reads) for the current scope. */
const freeze = (server: Server) =>
  Effect.acquireRelease(
    Effect.sync(() => process.kill(server.pid, "SIGSTOP")),
    () => Effect.sync(() => process.kill(server.pid, "SIGCONT"))
  )

/**
 * Fails the test when `effect` takes longer than `seconds`: the thing under test hung. It runs
 * detached, so that even an uninterruptible hang (a scope's close) fails the test in time.
 */
const within = <A, E>(seconds: number, what: string, effect: Effect.Effect<A, E>) =>
  Effect.flatMap(Effect.forkDetach(effect), (fiber) =>
    Fiber.join(fiber).pipe(
      Effect.timeoutOrElse({
        duration: `${seconds} seconds`,
        orElse: () => Effect.sync(() => assert.fail(`${what} still hung after ${seconds} s`))
      })
    ))

const closedBy = (error: ConnectionClosed) => error.cause instanceof TransportError ? error.cause : undefined

describe("locks end with the connection", () => {
  it.live(
    "a lock request still waiting fails with ConnectionClosed when the server dies",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const server = yield* OvsdbServer.start({ databases: [NB] })
        const holder = yield* connect({ remote: server.unix })
        const waiter = yield* connect({ remote: server.unix })
        yield* holder.lock("contended")
        const waiting = yield* Effect.forkChild(Effect.scoped(waiter.lock("contended")))
        yield* Effect.sleep("200 millis") // the request reaches the server and is queued
        assert.isUndefined(waiting.pollUnsafe(), "the second session waits while the first holds the lock")
        yield* crash(server)
        const exit = yield* within(10, "the waiting lock", Fiber.await(waiting))
        assert.isTrue(Exit.isFailure(exit))
        const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
        assert.strictEqual((error as { _tag?: string })._tag, "ConnectionClosed")
      })),
    60_000
  )

  it.live(
    "a held lock's held, whenStolen and whenHeld fail with ConnectionClosed when the server dies",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const server = yield* OvsdbServer.start({ databases: [NB] })
        const ovsdb = yield* connect({ remote: server.unix })
        const lock = yield* ovsdb.lock("mine")
        assert.isTrue(yield* lock.held)
        const stolen = yield* Effect.forkChild(lock.whenStolen)
        yield* crash(server)
        const whenStolen = yield* within(10, "whenStolen", Effect.flip(Fiber.join(stolen)))
        assert.strictEqual(whenStolen._tag, "ConnectionClosed")
        assert.strictEqual((yield* Effect.flip(lock.held))._tag, "ConnectionClosed")
        assert.strictEqual((yield* within(10, "whenHeld", Effect.flip(lock.whenHeld)))._tag, "ConnectionClosed")
      })),
    60_000
  )

  it.live(
    "CLI lock exits with the error when the server dies, as ovsdb-client lock does",
    () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer.start({ databases: [NB] })
        process.exitCode = 0
        const cli = yield* Effect.forkChild(run(["lock", server.unix, "cli"]))
        const printed = Effect.map(TestConsole.logLines, (lines) => lines.join("\n"))
        yield* eventually("the lock's reply", Effect.map(printed, (text) => text.includes("{\"locked\":true}")))
        yield* crash(server)
        yield* within(10, "CLI lock", Fiber.await(cli))
        const stderr = yield* TestConsole.errorLines
        assert.strictEqual(process.exitCode, 1)
        assert.lengthOf(stderr, 1)
        assert.match(String(stderr[0]), /^effect-ovsdb: connection closed: /)
        process.exitCode = 0
      }).pipe(Effect.provide(Layer.merge(TestConsole.layer, NodeServices.layer))),
    60_000
  )
})

describe("closing a scope never hangs and never leaks a socket", () => {
  it.live(
    "closing a monitor's scope while the server is stopped returns after releaseTimeout",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const server = yield* OvsdbServer.start({ databases: [NB] })
        const ovsdb = yield* connect({ remote: server.unix, releaseTimeout: "300 millis" })
        const monitorScope = yield* Scope.make()
        yield* Scope.provide(ovsdb.monitor(NB, { Address_Set: { columns: ["name"] } }), monitorScope)
        yield* freeze(server)
        const started = Date.now()
        yield* within(10, "the monitor's scope", Scope.close(monitorScope, Exit.void))
        const took = Date.now() - started
        assert.isAtLeast(took, 250, "it waited for monitor_cancel's answer")
        assert.isBelow(took, 5_000)
      })),
    60_000
  )

  it.live(
    "Ctrl-C on CLI monitor while the server is stopped ends the command",
    () =>
      Effect.scoped(
        Effect.gen(function*() {
          const server = yield* OvsdbServer.start({ databases: [NB] })
          const ovsdb = yield* connect({ remote: server.unix })
          yield* ovsdb.transact(NB, Op.insert("Address_Set", { name: "shown" }))
          const cli = yield* Effect.forkChild(run(["--format=json", "monitor", server.unix, NB, "Address_Set"]))
          yield* eventually(
            "the monitor's first output",
            Effect.map(TestConsole.logLines, (lines) => lines.length > 0)
          )
          yield* freeze(server)
          yield* within(15, "CLI monitor after Ctrl-C", Fiber.interrupt(cli)) // SIGINT interrupts the main fiber
          process.exitCode = 0
        }).pipe(Effect.provide(Layer.merge(TestConsole.layer, NodeServices.layer)))
      ),
    60_000
  )

  it.live("closing a scope destroys a socket that still has unsent bytes", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* OvsdbServer.start({ databases: [NB] })
      const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind === "TCPSocketWrap").length
      const before = sockets()
      yield* freeze(server)
      const connection = yield* Scope.make()
      const ovsdb = yield* Scope.provide(connect({ remote: server.tcp, requestTimeout: "1 second" }), connection)
      assert.strictEqual(sockets(), before + 1)
      // 50 MB the stopped server will not read: most of it stays queued in our socket.
      const error = yield* Effect.flip(ovsdb.transact(NB, Op.comment("x".repeat(50_000_000))))
      assert.strictEqual(error._tag, "RpcTimeout")
      yield* within(10, "the connection's scope", Scope.close(connection, Exit.void))
      yield* eventually("the socket's release", Effect.sync(() => sockets() === before))
    })), 60_000)
})

describe("memory stays bounded when the peer does not read", () => {
  it.live(
    "calls to a stopped server fail the connection as Stalled past maxOutgoingBytes",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const server = yield* OvsdbServer.start({ databases: [NB] })
        const limit = 1024 * 1024
        const ovsdb = yield* connect({ remote: server.unix, maxOutgoingBytes: limit })
        yield* freeze(server)
        const payload = "y".repeat(64 * 1024)
        // Far more than the limit and the kernel's buffers: each echo waits, and the queue fills.
        const calls = yield* Effect.forEach(
          Array.from({ length: 400 }, (_, i) => i),
          (i) => Effect.forkChild(ovsdb.echo(i, payload))
        )
        const closed = yield* within(10, "the stalled connection", ovsdb.rpc.closed)
        const cause = closedBy(closed)
        assert.strictEqual(cause?.reason, "Stalled")
        assert.include(cause?.detail, `the limit of ${limit} bytes (maxOutgoingBytes)`)
        for (const call of calls) {
          const exit = yield* within(10, "a call on the stalled connection", Fiber.await(call))
          assert.isTrue(Exit.isFailure(exit))
        }
      })),
    60_000
  )

  it.live(
    "echo requests from a peer that never reads fail the connection as Stalled, not grow memory",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const path = Path.join(Os.tmpdir(), `effect-ovsdb-flood-${process.pid}.sock`)
        const echo = Buffer.from("{\"id\":\"echo\",\"method\":\"echo\",\"params\":[\"are you there?\"]}".repeat(1000))
        let sent = 0
        // Writes echo requests (up to 2 million, with backpressure) and never reads a byte.
        const flood = (socket: Net.Socket) => {
          socket.pause()
          socket.on("error", () => undefined)
          const more = () => {
            while (sent < 2_000 && !socket.destroyed) {
              sent++
              if (!socket.write(echo)) return socket.once("drain", more)
            }
          }
          more()
        }
        const peer = yield* Effect.acquireRelease(
          Effect.callback<Net.Server>((resume) => {
            const listener = Net.createServer(flood)
            listener.listen(path, () => resume(Effect.succeed(listener)))
          }),
          (listener) => Effect.callback<void>((resume) => void listener.close(() => resume(Effect.void)))
        )
        assert.isTrue(peer.listening)
        const limit = 1024 * 1024
        const ovsdb = yield* connect({ remote: `unix:${path}`, maxOutgoingBytes: limit })
        const closed = yield* within(20, "the flooded connection", ovsdb.rpc.closed)
        const cause = closedBy(closed)
        assert.strictEqual(cause?.reason, "Stalled")
        assert.include(cause?.detail, `(maxOutgoingBytes)`)
        assert.isBelow(sent, 2_000, "the connection failed before the peer ran out of echoes")
        console.log(`echo flood: the connection failed as Stalled after ${sent * 1000} echoes: ${cause?.detail}`)
      })),
    60_000
  )
})

describe("a transaction cut off by the connection's end has an unknown outcome", () => {
  it.live(
    "after kill -9, every transaction is committed, refused unsent, or TransactionOutcomeUnknown",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const server = yield* OvsdbServer.start({ databases: [NB] })
        const ovsdb = yield* connect({ remote: server.unix })
        const count = 5_000
        let committed = 0
        // The first reply kills the server at once, with thousands of transactions still in flight.
        const insert = (i: number) =>
          ovsdb.transact(NB, Op.insert("Address_Set", { name: `t${i}` })).pipe(
            Effect.tap(() =>
              Effect.sync(() => {
                if (committed++ === 0) process.kill(server.pid, "SIGKILL")
              })
            ),
            Effect.exit
          )
        const outcomes = yield* Effect.forEach(Array.from({ length: count }, (_, i) => i), insert, {
          concurrency: "unbounded"
        })
        yield* eventually("the server's exit", Effect.sync(() => !isAlive(server.pid)))

        const kinds = byOutcome(outcomes, (i) => `t${i}`)
        // What the database file holds after the crash, read by Open vSwitch's own tool.
        const query = yield* runTool("ovsdb-tool", [
          "query",
          Path.join(server.dir, `${NB}.db`),
          JSON.stringify([NB, { op: "select", table: "Address_Set", where: [], columns: ["name"] }])
        ])
        const stored = new Set(
          (JSON.parse(query) as [{ rows: Array<{ name: string }> }])[0].rows.map((row) => row.name)
        )
        const unknown = kinds.get("TransactionOutcomeUnknown") ?? []
        console.log(
          `${count} transactions: ${
            kinds.get("committed")?.length ?? 0
          } committed, ${unknown.length} outcome unknown ` +
            `(${unknown.filter((name) => stored.has(name)).length} of them in the database after the crash), ` +
            `${kinds.get("unsent")?.length ?? 0} never sent`
        )
        assert.deepStrictEqual(
          [...kinds.keys()].filter((kind) => !["committed", "TransactionOutcomeUnknown", "unsent"].includes(kind)),
          []
        )
        assert.isAbove(unknown.length, 0, "some transactions were in flight when the server died")
        for (const name of kinds.get("committed") ?? []) assert.isTrue(stored.has(name), `${name} was committed`)
        for (const name of kinds.get("unsent") ?? []) assert.isFalse(stored.has(name), `${name} was never sent`)
        for (const name of stored) assert.notInclude(kinds.get("unsent") ?? [], name)
      })),
    120_000
  )
})
