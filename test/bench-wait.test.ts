// What a benchmark client waited on its server (scripts/bench/serverWait.ts), and the client wall
// time `measure` makes of it (scripts/bench/monitor.ts).
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Os from "node:os"
import * as Path from "node:path"
import { measure } from "../scripts/bench/monitor.js"
import { timingWaits, waitedSeconds } from "../scripts/bench/serverWait.js"
import * as Transport from "../src/Transport.js"
import { netServer } from "./support/netServer.js"

/** A unix-socket server that answers each read after `delayMillis`, with the bytes it read. */
const slowEcho = (delayMillis: number) => {
  const path = Path.join(Os.tmpdir(), `bench-wait-${process.pid}-${Date.now()}.sock`)
  return Effect.as(
    netServer({ path }, (socket) => socket.on("data", (bytes) => setTimeout(() => socket.write(bytes), delayMillis))),
    path
  )
}

describe("the bench's server wait", () => {
  it.live("counts from a request sent to the first bytes after it", () =>
    Effect.gen(function*() {
      const path = yield* slowEcho(200)
      const before = waitedSeconds()
      const transport = yield* Transport.make({ remote: `unix:${path}` }).pipe(timingWaits)
      const replies = yield* Stream.toPull(transport.incoming)
      yield* transport.send("a")
      yield* replies
      const waited = waitedSeconds() - before
      assert.isAtLeast(waited, 0.19)
      assert.isBelow(waited, 1)
    }).pipe(Effect.scoped))

  it.live("measure takes the wait a command reports from its wall time", () =>
    Effect.gen(function*() {
      const usage = yield* measure([
        "python3",
        "-c",
        "import sys, time; time.sleep(0.4); sys.stderr.write('server wait: 0.3\\n')"
      ])
      assert.isDefined(usage.clientWallSeconds)
      assert.closeTo(usage.wallSeconds - usage.clientWallSeconds!, 0.3, 1e-9)
      const silent = yield* measure(["python3", "-c", "pass"])
      assert.isUndefined(silent.clientWallSeconds)
      const failed = yield* Effect.flip(measure(["python3", "-c", "import sys; sys.exit('no server here')"]))
      assert.include(failed.message, "no server here")
    }))
})
