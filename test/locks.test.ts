// Locks against a real ovsdb-server, with several real connections: waiting for a contended lock,
// release on scope exit, steal and its notice, assert with and without the lock, and ovsdb-client.
import { assert, describe, layer } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Scope } from "effect"
import * as ChildProcess from "node:child_process"
import * as Ovsdb from "../src/Ovsdb.js"
import * as Op from "../src/protocol/Operation.js"
import { eventually } from "./support/eventually.js"
import { OvsdbServer } from "./support/OvsdbServer.js"

const NB = "OVN_Northbound"

/** Another connection to the test server, open for the current scope. */
const connect = Effect.gen(function*() {
  const server = yield* OvsdbServer
  const context = yield* Layer.build(Ovsdb.layerConnection({ remote: server.unix }))
  return Context.get(context, Ovsdb.Ovsdb)
})

/** Whether `assert` of the lock passes in a transaction of this session. */
const owns = (ovsdb: Ovsdb.Ovsdb["Service"], lock: string) =>
  ovsdb.transact(NB, Op.assert(lock), Op.comment("asserted")).pipe(
    Effect.as(true),
    Effect.catchTag("TransactionError", (error) => Effect.succeed(error.error !== "not owner" ? null : false))
  )

/** Polls until `condition` holds, for at most five seconds. */
layer(OvsdbServer.layer(), { timeout: 60_000, excludeTestServices: true })("locks", (it) => {
  describe("lock and unlock", () => {
    it.effect("a contended lock is waited for, and passes on when its holder's scope closes", () =>
      Effect.scoped(Effect.gen(function*() {
        const a = yield* connect
        const b = yield* connect
        const holding = yield* Scope.make()
        const lockA = yield* Scope.provide(a.lock("contended"), holding)
        assert.isTrue(yield* lockA.held)

        const waiting = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
          const lockB = yield* b.lock("contended")
          assert.isTrue(yield* lockB.held)
          return yield* owns(b, "contended")
        })))
        yield* Effect.sleep("300 millis")
        assert.isUndefined(waiting.pollUnsafe(), "B waits while A holds the lock")
        assert.isTrue(yield* owns(a, "contended"))
        assert.isFalse(yield* owns(b, "contended"))

        yield* Scope.close(holding, Exit.void) // unlock
        assert.isTrue(yield* Fiber.join(waiting))
        assert.isFalse(yield* owns(a, "contended"))
      })))

    it.effect("interrupting a wait withdraws the request", () =>
      Effect.scoped(Effect.gen(function*() {
        const a = yield* connect
        const b = yield* connect
        const c = yield* connect
        const holding = yield* Scope.make()
        yield* Scope.provide(a.lock("withdrawn"), holding)
        const waiting = yield* Effect.forkChild(Effect.scoped(b.lock("withdrawn")))
        yield* Effect.sleep("200 millis")
        yield* Fiber.interrupt(waiting)
        const third = yield* Effect.forkChild(Effect.scoped(Effect.andThen(c.lock("withdrawn"), owns(c, "withdrawn"))))
        yield* Effect.sleep("100 millis")
        yield* Scope.close(holding, Exit.void)
        // B withdrew, so the lock goes to C, the next in the queue.
        assert.isTrue(yield* Fiber.join(third))
      })))
  })

  describe("steal", () => {
    it.effect("the robbed holder learns it, and gets the lock back when the thief lets go", () =>
      Effect.scoped(Effect.gen(function*() {
        const a = yield* connect
        const thief = yield* connect
        const lockA = yield* a.lock("stolen")
        const robbing = yield* Scope.make()
        const stolen = yield* Scope.provide(thief.steal("stolen"), robbing)
        assert.isTrue(yield* stolen.held)

        yield* lockA.whenStolen.pipe(Effect.timeout("5 seconds"))
        assert.isFalse(yield* lockA.held)
        assert.isFalse(yield* owns(a, "stolen"))
        assert.isTrue(yield* owns(thief, "stolen"))

        yield* Scope.close(robbing, Exit.void)
        yield* lockA.whenHeld.pipe(Effect.timeout("5 seconds"))
        assert.isTrue(yield* lockA.held)
        assert.isTrue(yield* owns(a, "stolen"))
      })))
  })

  describe("with ovsdb-client", () => {
    it.effect("ovsdb-client lock waits while we hold the lock, and gets it when we let go", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* connect
        const server = yield* OvsdbServer
        const holding = yield* Scope.make()
        yield* Scope.provide(ovsdb.lock("shared"), holding)
        let output = ""
        yield* Effect.acquireRelease(
          Effect.sync(() => {
            const child = ChildProcess.spawn("ovsdb-client", ["lock", server.unix, "shared"], {
              stdio: ["ignore", "pipe", "ignore"]
            })
            child.stdout.setEncoding("utf8").on("data", (text: string) => (output += text))
            return child
          }),
          (child) => Effect.sync(() => child.kill())
        )
        yield* eventually("the unlocked reply", Effect.sync(() => output.includes("{\"locked\":false}")), 5)
        assert.notInclude(output, "\"locked\",")
        yield* Scope.close(holding, Exit.void)
        // ovsdb-client prints the server's "locked" notification when the lock comes to it.
        yield* eventually(
          "the locked notice",
          Effect.sync(() => /locked/.test(output.replace("{\"locked\":false}", ""))),
          5
        )
      })))
  })

  describe("other session methods", () => {
    it.effect("get_server_id is the server's UUID, the same on every connection", () =>
      Effect.scoped(Effect.gen(function*() {
        const a = yield* connect
        const b = yield* connect
        const id = yield* a.getServerId
        assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
        assert.strictEqual(yield* b.getServerId, id)
      })))

    it.effect("the _Server database reads like any other", () =>
      Effect.scoped(Effect.gen(function*() {
        const ovsdb = yield* connect
        const [{ rows }] = yield* ovsdb.transact("_Server", Op.select("Database", [], ["name", "model", "leader"]))
        assert.sameDeepMembers([...rows], [
          { name: "_Server", model: "standalone", leader: true },
          { name: "Open_vSwitch", model: "standalone", leader: true },
          { name: "OVN_Northbound", model: "standalone", leader: true }
        ])
      })))
  })
})
