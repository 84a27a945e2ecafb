/**
 * Writes the typed models shipped in `src/models/` from the schema files the Debian packages
 * install (`openvswitch-common`, `ovn-common`) and from `_Server`'s schema, which ovsdb-server
 * builds in (recorded in `test/fixtures/_server.ovsschema`; a test checks it against a live server).
 *
 * Run `npm run models` after the packages change; with `--check` it writes nothing and fails when a
 * committed model is not what the schema files give.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "node:path"
import * as Url from "node:url"
import { generateFromFile } from "../src/cli/CodegenCommand.js"
import { SCHEMAS } from "../test/support/OvsdbServer.js"

const root = Path.resolve(Path.dirname(Url.fileURLToPath(import.meta.url)), "..", "..")

/**
 * Each shipped model: the schema it comes from, and the module it goes to (from the package root).
 *
 * @since 0.1.0
 */
export const shippedModels: ReadonlyArray<{ readonly schema: string; readonly module: string }> = [
  { schema: SCHEMAS.Open_vSwitch, module: "src/models/Open_vSwitch.ts" },
  { schema: SCHEMAS.OVN_Northbound, module: "src/models/OVN_Northbound.ts" },
  { schema: SCHEMAS.OVN_Southbound, module: "src/models/OVN_Southbound.ts" },
  { schema: "test/fixtures/_server.ovsschema", module: "src/models/_Server.ts" }
]

/**
 * The source each shipped model should have, keyed by its module's path (from the package root).
 *
 * @since 0.1.0
 */
export const expectedModels = (packageRoot: string) =>
  Effect.forEach(shippedModels, ({ module, schema }) =>
    Effect.map(
      generateFromFile(Path.resolve(packageRoot, schema), "../"),
      (source) => [module, source] as const
    ))

const main = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const check = process.argv.includes("--check")
  const stale: Array<string> = []
  for (const [module, source] of yield* expectedModels(root)) {
    const path = Path.resolve(root, module)
    const current = yield* fs.readFileString(path).pipe(Effect.orElseSucceed(() => ""))
    if (current === source) continue
    if (check) stale.push(module)
    else yield* Effect.andThen(fs.writeFileString(path, source), Console.log(`wrote ${module}`))
  }
  if (stale.length > 0) {
    yield* Console.error(`stale models (run npm run models): ${stale.join(", ")}`)
    process.exitCode = 1
  }
})

if (process.argv[1] !== undefined && Url.pathToFileURL(process.argv[1]).href === import.meta.url) {
  NodeRuntime.runMain(main.pipe(Effect.provide(NodeServices.layer)))
}
