// The demo (`npm run demo`) on its two servers: a throwaway ovsdb-server, and, where ovsdb-server is
// not installed, effect-ovsdb's own in-memory server. Both runs must print the same story.
import { assert, describe, it } from "@effect/vitest"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { demo, type Target } from "../scripts/demo.js"

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g

/**
 * What the demo prints against `target`, UUIDs masked. The rows of one monitor update come in the
 * server's hash order of their UUIDs, which differ from run to run: each run of monitor lines is
 * sorted.
 */
const printed = (target: Target) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const capture: Console.Console = { ...globalThis.console, log: (...args) => void lines.push(args.join(" ")) }
    yield* demo(target).pipe(Effect.provideService(Console.Console, capture))
    const masked = lines.map((line) => line.replace(UUID, "<uuid>"))
    const out: Array<string> = []
    for (let i = 0; i < masked.length;) {
      let end = i
      while (end < masked.length && masked[end]!.startsWith("  monitor: ")) end++
      if (end === i) out.push(masked[i++]!)
      else out.push(...masked.slice(i, i = end).sort())
    }
    return out
  })

describe("the demo", () => {
  it.live("tells the same story on the in-memory server as on ovsdb-server", () =>
    Effect.gen(function*() {
      const real = yield* printed({ _tag: "OvsdbServer" })
      const memory = yield* printed({ _tag: "InMemory" })
      assert.match(real[0]!, /^started a throwaway ovsdb-server in /)
      assert.strictEqual(real.at(-1), "stopping the server")
      assert.strictEqual(
        memory[0],
        "serving Open_vSwitch and OVN_Northbound from memory, with effect-ovsdb's own server"
      )
      assert.deepStrictEqual(memory.slice(1), real.slice(1, -1))
      assert.include(
        memory,
        "refused as expected: constraint violation in operation 0: 5000 is not in the valid range 0 to 4095 (inclusive)"
      )
      assert.include(memory, "deleted 1 switch (its ports went with it: they are not root rows)")
    }), 60_000)
})
