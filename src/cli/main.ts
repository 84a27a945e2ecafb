#!/usr/bin/env node
/**
 * Entry point of the `effect-ovsdb` command.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { run } from "./Cli.js"

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
