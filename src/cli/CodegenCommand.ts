/**
 * `effect-ovsdb codegen [--import MODULE] SCHEMA [OUT]`: writes the typed model of the database
 * schema in the file SCHEMA (an `.ovsschema` file, or a saved `get_schema` reply) to OUT, or to
 * standard output.
 *
 * @since 0.1.0
 */
import { Argument, Command, Flag } from "effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import { generate } from "../codegen/Generate.js"
import * as JsonText from "../Json.js"
import * as DatabaseSchema from "../protocol/DatabaseSchema.js"
import { reportFailure, UsageError } from "./Session.js"

/**
 * Reads a schema file and generates its model's source.
 *
 * @since 0.1.0
 * @category generating
 */
export const generateFromFile = (path: string, importFrom?: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(path)
    const json = yield* Effect.mapError(
      Effect.fromResult(JsonText.parse(text)),
      (problem) => new UsageError(`${path}: not JSON: ${problem}`)
    )
    const schema = yield* DatabaseSchema.decode(json)
    return generate(schema, { importFrom })
  })

/**
 * The `codegen` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const codegen = Command.make("codegen", {
  importFrom: Flag.String("import").pipe(
    Flag.withDescription("the module the generated code imports the library from (default: effect-ovsdb)"),
    Flag.optional
  ),
  schema: Argument.String("schema").pipe(Argument.withDescription("an .ovsschema file")),
  out: Argument.String("out").pipe(Argument.withDescription("the TypeScript file to write"), Argument.optional)
}, ({ importFrom, out, schema }) =>
  Effect.gen(function*() {
    const source = yield* generateFromFile(schema, Option.getOrUndefined(importFrom))
    if (Option.isNone(out)) return yield* Console.log(source.trimEnd())
    const fs = yield* FileSystem.FileSystem
    yield* fs.writeFileString(out.value, source)
  }).pipe(Effect.catch(reportFailure))).pipe(
    Command.withDescription("Generate a typed model (TypeScript) from a database schema file")
  )
