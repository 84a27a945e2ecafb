// Deep nesting end to end: a reply nested past the codec's limit is a typed error, never a defect,
// through the library and through the built command; the limit is ovsdb-server's own, no stricter.
// ovsdb-server never sends such a reply, so a fake node:net peer sends it here.
import { assert, describe, it, layer } from "@effect/vitest"
import { Cause, Effect, Exit, Schedule } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Codec from "../src/Codec.js"
import type { Json } from "../src/Json.js"
import * as Ovsdb from "../src/Ovsdb.js"
import * as Op from "../src/protocol/Operation.js"
import { BuiltPackage } from "./support/BuiltPackage.js"
import { netServer } from "./support/netServer.js"
import { OvsdbServer, runToolResult } from "./support/OvsdbServer.js"

const DEEP = 100_000
/** The deepest nesting ovsdb-server reads (`JSON_MAX_HEIGHT` in Open vSwitch's lib/json.c). */
const SERVER_LIMIT = 1000

/** JSON text of an array nested `depth` deep around nothing. */
const nestedText = (depth: number) => "[".repeat(depth) + "]".repeat(depth)

/** JSON text of an object nested `depth` deep, each level's one member "a" holding the next. */
const nestedObjectText = (depth: number) => "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1)

/** An array nested `depth` deep around `inner`, built without recursion. */
const nestedValue = (depth: number, inner: Json): Json => {
  let value: Json = [inner]
  for (let level = 1; level < depth; level++) value = [value]
  return value
}

/**
 * A peer on a fresh unix socket (its `unix:` remote) that answers every request with `result`,
 * whatever it asked; it stops listening, and drops its connections, when the scope closes.
 */
const fakePeer = (result: string) => peer((id) => `{"id":${id},"result":${result},"error":null}`)

/** A peer that answers every request with `reply(id)`. */
const peer = (reply: (id: string) => string) => {
  const path = Path.join(Os.tmpdir(), `effect-ovsdb-deep-${process.pid}-${Math.random().toString(36).slice(2)}.sock`)
  return netServer({ path }, (socket) => {
    let text = ""
    socket.setEncoding("utf8").on("data", (data: string) => {
      text += data
      // A request ends with its id: the client writes method, params and id in that order.
      for (let match = /"id":(\d+)\}/.exec(text); match !== null; match = /"id":(\d+)\}/.exec(text)) {
        socket.write(reply(match[1]!))
        text = text.slice(match.index + match[0].length)
      }
    })
  }).pipe(Effect.as(`unix:${path}`))
}

/** A peer answering every request with this error. */
const errorPeer = (error: string) => peer((id) => `{"id":${id},"result":null,"error":${error}}`)

/** Runs `use` against the client connected to `remote`, and returns how it ended. */
const against = <A, E>(
  remote: string,
  use: (ovsdb: Ovsdb.Ovsdb["Service"]) => Effect.Effect<A, E>,
  options?: Partial<Ovsdb.Options>
) => Effect.exit(Ovsdb.Ovsdb.use(use).pipe(Effect.provide(Ovsdb.layerConnection({ remote, ...options }))))

/** The typed errors of a failed exit; the test fails on success, and on any defect. */
const typedErrors = <A, E>(exit: Exit.Exit<A, E>): ReadonlyArray<E> => {
  assert.isTrue(Exit.isFailure(exit), "the call succeeded")
  if (Exit.isSuccess(exit)) return []
  assert.isFalse(Cause.hasDies(exit.cause), Cause.pretty(exit.cause))
  return exit.cause.reasons.flatMap((reason) => reason._tag === "Fail" ? [reason.error] : [])
}

type Call = (
  ovsdb: Ovsdb.Ovsdb["Service"]
) => Effect.Effect<unknown, { readonly _tag: string; readonly message: string }>

const calls: ReadonlyArray<readonly [string, Call]> = [
  ["list_dbs", (ovsdb) => ovsdb.listDbs],
  ["transact", (ovsdb) => ovsdb.transact("OVN_Northbound", Op.comment("deep"))]
]

describe("a reply nested 100,000 deep", () => {
  for (const [method, call] of calls) {
    it.live(`as ${method}'s result is a typed error naming the limit, and no defect`, () =>
      Effect.gen(function*() {
        const remote = yield* fakePeer(nestedText(DEEP))
        const errors = typedErrors(yield* against(remote, call))
        assert.lengthOf(errors, 1)
        const [error] = errors
        console.log(`${method}: ${error!._tag}: ${error!.message}`)
        assert.oneOf(error!._tag, ["ConnectionClosed", "TransactionOutcomeUnknown"])
        assert.include(error!.message, "TooDeep: a message nested deeper than the limit of 1000 levels")
      }))

    it.live(`as ${method}'s result, read under a raised maxDepth, is refused as a ProtocolError, and no defect`, () =>
      Effect.gen(function*() {
        const remote = yield* fakePeer(nestedObjectText(DEEP))
        const errors = typedErrors(yield* against(remote, call, { maxDepth: DEEP + 1 }))
        assert.lengthOf(errors, 1)
        const [error] = errors
        console.log(`${method}: ${error!._tag}: ${error!.message}`)
        assert.strictEqual(error!._tag, "ProtocolError")
        // shown as deep as a message shows a value, then elided
        assert.include(error!.message, `got ${"{\"a\":".repeat(32)}…${"}".repeat(32)}`)
      }))
  }

  it.live("an error reply whose error is not text is shown in the RpcError, 100,000 deep or holding a 64-bit integer", () =>
    Effect.gen(function*() {
      const errors = [
        [`{"error":${nestedText(DEEP)}}`, `{"error":${"[".repeat(31)}…${"]".repeat(31)}}`],
        [`[${nestedText(DEEP)}]`, `${"[".repeat(32)}…${"]".repeat(32)}`],
        ["{\"error\":1,\"n\":9223372036854775807}", "{\"error\":1,\"n\":9223372036854775807}"]
      ] as const
      for (const [error, shown] of errors) {
        const remote = yield* errorPeer(error)
        const [failure] = typedErrors(
          yield* against(remote, calls[0]![1], { maxDepth: DEEP + 2, requestTimeout: "5 seconds" })
        )
        assert.strictEqual(failure!._tag, "RpcError")
        assert.strictEqual(failure!.message, `list_dbs: ${shown}`)
      }
    }))

  it.live("one level inside the limit is read: the message at 1000 levels, its result at 999", () =>
    Effect.gen(function*() {
      assert.strictEqual(Codec.DEFAULT_MAX_DEPTH, SERVER_LIMIT)
      const remote = yield* fakePeer(nestedText(SERVER_LIMIT - 1))
      const [error] = typedErrors(yield* against(remote, calls[0]![1]))
      assert.strictEqual(error!._tag, "ProtocolError")
      assert.include(error!.message, "expected an array of strings, got [[[")
    }))
})

describe("ovsdb-server's own limit", () => {
  it.live(
    "an echo nested at the server's limit comes back whole; one level more, the server refuses",
    () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer.start({ databases: ["OVN_Northbound"] })
        // The message is one level, its params a second: an echo of `param` nested `depth` deep
        // travels, both ways, as a message nested depth + 2 deep.
        const echo = (depth: number) => against(server.unix, (ovsdb) => ovsdb.echo(nestedValue(depth, "bottom")))
        const atLimit = yield* echo(SERVER_LIMIT - 2)
        assert.isTrue(Exit.isSuccess(atLimit))
        if (Exit.isSuccess(atLimit)) {
          let inner: Json | undefined = atLimit.value[0]
          for (let level = 0; level < SERVER_LIMIT - 2; level++) {
            inner = Array.isArray(inner) ? (inner as ReadonlyArray<Json>)[0] : undefined
          }
          assert.strictEqual(inner, "bottom")
        }
        const [refused] = typedErrors(yield* echo(SERVER_LIMIT - 1))
        console.log(`one level past the limit: ${refused!._tag}: ${refused!.message}`)
        assert.strictEqual(refused!._tag, "ConnectionClosed")
        // …because of the depth, in the server's own words (its log is written before it hangs up).
        const log = yield* Effect.sync(() => Fs.readFileSync(server.log, "utf8")).pipe(
          Effect.repeat({
            until: (text) => text.includes("maximum nesting depth"),
            schedule: Schedule.spaced("50 millis"),
            times: 100
          })
        )
        const [line] = log.match(/[^\n]*maximum nesting depth[^\n]*/) ?? []
        console.log(`the server's log: ${line}`)
        assert.match(log, /input exceeds maximum nesting depth 1000\n/)
      }),
    60_000
  )
})

// The command built as it ships, run as a program against the fake peer.
layer(BuiltPackage.layer, { excludeTestServices: true, timeout: 120_000 })("the built command", (it) => {
  const cases = [["list-dbs"], ["transact", "[\"OVN_Northbound\"]"]]
  for (const [command, ...rest] of cases) {
    it.effect(`prints one line on stderr for a 100,000-deep reply to ${command}, and exits non-zero`, () =>
      Effect.gen(function*() {
        const { dist } = yield* BuiltPackage
        const remote = yield* fakePeer(nestedText(DEEP))
        const { code, stderr, stdout } = yield* runToolResult(process.execPath, [
          Path.join(dist, "src", "cli", "main.js"),
          command!,
          remote,
          ...rest
        ])
        console.log(`${command}: exit ${code}, stderr ${JSON.stringify(stderr)}`)
        assert.strictEqual(stdout, "")
        assert.notStrictEqual(code, 0)
        assert.match(
          stderr,
          /^effect-ovsdb: [^\n]*TooDeep: a message nested deeper than the limit of 1000 levels at byte \d+\n$/
        )
      }))
  }
})
