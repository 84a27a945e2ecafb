/**
 * Waiting in tests for a condition rather than for a fixed time: `eventually` polls (in real time,
 * every 50 ms) until the condition holds, and fails the test naming what did not happen when
 * `seconds` pass first.
 *
 * @example
 * ```ts
 * yield* eventually("the monitor's first line", Effect.map(printed, (out) => out.length > 0), 10)
 * ```
 */
import { assert } from "@effect/vitest"
import { Effect } from "effect"
import { pause } from "./OvsdbServer.js"

/** Polls until `condition` holds, for at most `seconds` (default 20). */
export const eventually = <E, R>(what: string, condition: Effect.Effect<boolean, E, R>, seconds = 20) =>
  Effect.gen(function*() {
    const deadline = Date.now() + seconds * 1000
    while (Date.now() < deadline) {
      if (yield* condition) return
      yield* pause(50)
    }
    return assert.fail(`${what} did not happen within ${seconds} s`)
  })
