#!/usr/bin/env node
/**
 * Entry point of the `effect-ovsdb` command.
 *
 * It turns Node's compile cache on before it loads anything else: from Node 22.1 on, the code Node
 * compiles for the modules of a run is kept on disk (in the system's temporary directory, or
 * `NODE_COMPILE_CACHE`; `NODE_DISABLE_COMPILE_CACHE=1` turns it off), so that a later start skips
 * compiling effect's modules again. Node 20 has no such cache and starts as before.
 *
 * @since 0.1.0
 */
import * as Module from "node:module"

Module.enableCompileCache?.()

// Loaded only now, so that the cache applies to them.
const [{ run }, NodeRuntime, NodeServices, Cause, Console, Effect] = await Promise.all([
  import("./Cli.js"),
  import("@effect/platform-node/NodeRuntime"),
  import("@effect/platform-node/NodeServices"),
  import("effect/Cause"),
  import("effect/Console"),
  import("effect/Effect")
])

// The commands report their own failures on stderr, and usage errors are reported as they are
// found; the runtime's report (written to stdout) is turned off, so only a defect is left to show.
NodeRuntime.runMain(
  run(process.argv.slice(2)).pipe(
    Effect.tapCause((cause) =>
      Cause.hasDies(cause) ? Console.error(`effect-ovsdb: internal error: ${Cause.pretty(cause)}`) : Effect.void
    ),
    Effect.provide(NodeServices.layer)
  ),
  { disableErrorReporting: true }
)
