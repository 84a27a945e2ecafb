// The chaos run in CI: a 3-member Raft cluster, 2 writers through resilient sessions, an observer
// replica, 5 kill -9s of the leader and restarts; nothing lost, nothing duplicated, and the replica
// equal to the server (`npm run chaos` runs the same with any number of kills and writers).
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { passed, runChaos, summary } from "../scripts/chaos/run.js"

describe("chaos", () => {
  it.live(
    "5 kills of the leader, 2 writers: nothing lost, nothing duplicated, the replica equals the server",
    () =>
      Effect.gen(function*() {
        const report = yield* runChaos({ kills: 5, writers: 2 })
        console.log(summary(report))
        assert.deepStrictEqual(report.problems, [])
        assert.isTrue(passed(report), summary(report))
        assert.strictEqual(report.kills, 5)
        // Every round waits for each writer's commits: at least 10 keys each per round, and after the last.
        assert.isAtLeast(report.acknowledged, 2 * 10 * 6)
        assert.isAtLeast(report.reconnects, 5, "the observer followed every kill")
      }),
    180_000
  )
})
