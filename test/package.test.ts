// The package as a user gets it: an application in its own directory, with `effect-ovsdb` resolved
// through the package's `exports`, a model it generated with the published `effect-ovsdb codegen`
// and a model the package ships. It type-checks against the published declarations (with
// `@ts-expect-error` lines that only hold if the types arrive), builds, and runs against a real
// ovsdb-server; ovn-nbctl sees what it wrote.
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { BuiltPackage, scratchDir, tsc } from "./support/BuiltPackage.js"
import { OvsdbServer, runTool, runToolResult, SCHEMAS } from "./support/OvsdbServer.js"

const application = `import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { Model, Ovsdb, Typed } from "effect-ovsdb"
import { Bridge } from "effect-ovsdb/models/Open_vSwitch"
import { database, Logical_Switch, Logical_Switch_Port } from "./Nb.js"

// @ts-expect-error: Logical_Switch.name is a string, as the generated model says
Typed.insert(Logical_Switch, { name: 5 })
// @ts-expect-error: Bridge.name is set on insert only, as the shipped model says
Typed.update(Bridge, [], { name: "br1" })

const program = Effect.gen(function*() {
  const ovsdb = yield* Ovsdb.Ovsdb
  yield* ovsdb.ensureCompatible(database.schema)
  const port = Model.named(Logical_Switch_Port, "port")
  yield* ovsdb.transact(
    database.name,
    Typed.insert(Logical_Switch_Port, { name: "app-p0", addresses: ["00:00:00:00:00:01"] }, { uuidName: port }),
    Typed.insert(Logical_Switch, { name: "app-ls", ports: [port] })
  )
  const [{ rows }] = yield* ovsdb.transact(
    database.name,
    Typed.select(Logical_Switch, [["name", "==", "app-ls"]], ["name", "ports"])
  )
  const refused = yield* Effect.flip(
    ovsdb.transact("Open_vSwitch", Typed.insert(Bridge, { name: "br0", flood_vlans: [4096] }))
  )
  yield* Console.log(JSON.stringify({
    switches: rows.map((row) => ({ name: row.name, ports: row.ports.length })),
    refused: refused._tag === "ValueError" ? \`\${refused.column} \${refused.constraint}\` : refused._tag
  }))
}).pipe(Effect.provide(Ovsdb.layer({ remote: process.argv[2]! })))

NodeRuntime.runMain(program)
`

const tsconfig = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2022"],
    types: ["node"],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUnusedLocals: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    outDir: "out"
  },
  include: ["*.ts"]
}

const TestLayer = Layer.mergeAll(
  BuiltPackage.layer,
  OvsdbServer.layer({ databases: ["OVN_Northbound", "Open_vSwitch"] })
)

layer(TestLayer, { excludeTestServices: true, timeout: 120_000 })("the package, used from an application", (it) => {
  it.effect("generates a model, type-checks, builds and runs against ovsdb-server", () =>
    Effect.gen(function*() {
      const pkg = yield* BuiltPackage
      const server = yield* OvsdbServer
      const app = yield* scratchDir("application-")
      Fs.mkdirSync(Path.join(app, "node_modules"))
      Fs.symlinkSync(pkg.dir, Path.join(app, "node_modules", "effect-ovsdb"), "dir")
      Fs.writeFileSync(Path.join(app, "package.json"), JSON.stringify({ type: "module" }))
      Fs.writeFileSync(Path.join(app, "tsconfig.json"), JSON.stringify(tsconfig))
      Fs.writeFileSync(Path.join(app, "main.ts"), application)

      const cli = Path.join(pkg.dist, "src", "cli", "main.js")
      yield* runTool(process.execPath, [cli, "codegen", SCHEMAS.OVN_Northbound, Path.join(app, "Nb.ts")])
      assert.include(Fs.readFileSync(Path.join(app, "Nb.ts"), "utf8"), `import { Model } from "effect-ovsdb"`)

      const built = yield* tsc(["-p", app])
      assert.strictEqual(built.code, 0, built.stdout + built.stderr)

      const ran = yield* runToolResult(process.execPath, [Path.join(app, "out", "main.js"), server.unix])
      assert.deepStrictEqual({ code: ran.code, stderr: ran.stderr }, { code: 0, stderr: "" })
      assert.deepStrictEqual(JSON.parse(ran.stdout), {
        switches: [{ name: "app-ls", ports: 1 }],
        refused: "flood_vlans maxInteger"
      })
      const ports = yield* runTool("ovn-nbctl", [`--db=${server.unix}`, "lsp-list", "app-ls"])
      assert.match(ports, /\(app-p0\)/)
    }))
})
