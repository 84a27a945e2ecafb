// The API reference's TypeDoc plugin (scripts/docs.ts), run by TypeDoc over a small package written
// here: a module's documentation is its file's first comment, modules take their import names,
// and validation fails on an export without a description or @since and on an example that does
// not compile, naming the place in the comment. `npm run docs` in CI runs it over the real package.
import { assert, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as TypeDoc from "typedoc"
import { importName, lineOfCode, load } from "../scripts/docs.js"

const root = Path.resolve(import.meta.dirname, "..")
const work = Path.join(root, "node_modules", ".cache", "docs-test")

const files: Record<string, string> = {
  "tsconfig.json": JSON.stringify({
    compilerOptions: { target: "ES2022", module: "NodeNext", strict: true, skipLibCheck: true, noEmit: true },
    include: ["src"]
  }),
  "src/index.ts": `/**
 * The fixture: shapes and units.
 *
 * @since 1.0.0
 * @module
 */

/** @since 1.0.0 */
export * as Shapes from "./Shapes.js"
`,
  "src/Shapes.ts": `/**
 * Shapes and their areas.
 *
 * @since 1.0.0
 */
import { scale } from "./scale.js"

/**
 * A square's area.
 *
 * @example
 * \`\`\`ts
 * import { Shapes } from "docs-fixture"
 *
 * const area: number = Shapes.square(2)
 * \`\`\`
 *
 * @since 1.0.0
 * @category areas
 */
export const square = (side: number): number => scale * side * side

/**
 * A circle's area.
 *
 * @example
 * \`\`\`ts
 * import { Shapes } from "docs-fixture"
 *
 * const area: string = Shapes.circle(1)
 * \`\`\`
 *
 * @since 1.0.0
 * @category areas
 */
export const circle = (radius: number): number => Math.PI * radius * radius

/** @since 1.0.0 */
export const triangle = (base: number, height: number): number => base * height / 2

/** A rectangle's area. */
export const rectangle = (width: number, height: number): number => width * height
`,
  "src/scale.ts": `export const scale = 1
`,
  "src/models/Units.ts": `/**
 * Units of length.
 *
 * @since 1.0.0
 */
import { scale } from "../scale.js"

/** A metre, in millimetres. */
export const metre = 1000 * scale
`
}

/** A logger that keeps what TypeDoc and the plugin report. */
class Recorder extends TypeDoc.Logger {
  readonly messages: Array<{ readonly level: TypeDoc.LogLevel; readonly text: string }> = []
  override log(text: string, level: TypeDoc.LogLevel): void {
    super.log(text, level)
    this.messages.push({ level, text })
  }
}

/** Writes the package, and converts and validates it as `npm run docs` does, with the plugin. */
const document = async () => {
  Fs.rmSync(work, { recursive: true, force: true })
  for (const [file, text] of Object.entries(files)) {
    Fs.mkdirSync(Path.dirname(Path.join(work, file)), { recursive: true })
    Fs.writeFileSync(Path.join(work, file), text)
  }
  const app = await TypeDoc.Application.bootstrapWithPlugins({
    name: "docs-fixture",
    entryPoints: [Path.join(work, "src/index.ts"), Path.join(work, "src/models/*.ts")],
    tsconfig: Path.join(work, "tsconfig.json"),
    plugin: [],
    excludeExternals: true,
    externalPattern: [] // the package is written under node_modules/.cache
  }, [new TypeDoc.TSConfigReader()])
  const logger = new Recorder()
  app.logger = logger
  load(app)
  const project = await app.convert()
  assert.isDefined(project, "the fixture converts")
  app.validate(project!)
  const errors = logger.messages.filter((m) => m.level === TypeDoc.LogLevel.Error).map((m) => m.text)
  const infos = logger.messages.filter((m) => m.level === TypeDoc.LogLevel.Info).map((m) => m.text)
  return { project: project!, errors, infos }
}

/** The line (1-based) of `text` in a fixture file. */
const lineOf = (file: string, text: string) => (files[file] ?? "").split("\n").findIndex((l) => l.includes(text)) + 1

describe("the API reference's TypeDoc plugin", () => {
  it("names modules as they are imported", () => {
    assert.strictEqual(importName("effect-ovsdb", "index"), "effect-ovsdb")
    assert.strictEqual(importName("effect-ovsdb", "models/OVN_Northbound"), "effect-ovsdb/models/OVN_Northbound")
  })

  it("finds an example's first line of code in its comment", () => {
    const text = files["src/Shapes.ts"]!
    assert.strictEqual(
      lineOfCode(text, `import { Shapes } from "docs-fixture"\n\nconst area: string = Shapes.circle(1)`),
      lineOf("src/Shapes.ts", "const area: string") - 2
    )
    assert.isUndefined(lineOfCode(text, "const area: boolean = true"))
  })

  it("documents the fixture and fails on what it lacks, naming the place", async () => {
    const { errors, infos, project } = await document()
    // Modules by their import names, and a namespace's documentation is its file's first comment.
    assert.deepStrictEqual(project.children?.map((child) => child.name), ["docs-fixture", "docs-fixture/models/Units"])
    const shapes = project.getChildByName(["docs-fixture", "Shapes"])
    assert.strictEqual(TypeDoc.Comment.combineDisplayParts(shapes?.comment?.summary), "Shapes and their areas.")
    assert.strictEqual(
      TypeDoc.Comment.combineDisplayParts(project.getChildByName("docs-fixture/models/Units")?.comment?.summary),
      "Units of length."
    )
    // Each problem once, and nothing else: the square's example compiles, the Units export needs no
    // @since (a generated model's), and the circle's example assigns a number to a string.
    const circle = lineOf("src/Shapes.ts", "const area: string")
    assert.sameMembers(errors, [
      `src/Shapes.ts:${circle}:10: the example of docs-fixture.Shapes.circle does not compile: ` +
      `TS2322: Type 'number' is not assignable to type 'string'.`,
      `src/Shapes.ts:${lineOf("src/Shapes.ts", "export const triangle")}: function docs-fixture.Shapes.triangle ` +
      `has no description`,
      `src/Shapes.ts:${lineOf("src/Shapes.ts", "export const rectangle")}: function docs-fixture.Shapes.rectangle ` +
      `has no @since`
    ])
    assert.include(infos, "2 examples type-checked, 3 problems")
  }, 60_000)
})
