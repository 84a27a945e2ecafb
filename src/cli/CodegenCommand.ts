/**
 * `effect-ovsdb codegen [--import MODULE] SCHEMA [OUT]`: writes the typed model of the database
 * schema in the file SCHEMA (an `.ovsschema` file, or a saved `get_schema` reply) to OUT, or to
 * standard output.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import { generate } from "../codegen/Generate.js"
import * as JsonText from "../Json.js"
import * as DatabaseSchema from "../protocol/DatabaseSchema.js"
import type * as Commands from "./Commands.js"
import { bind, UsageError } from "./Usage.js"

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
 * `codegen [--import=MODULE] SCHEMA [OUT]`.
 *
 * @since 0.1.0
 * @category commands
 */
export const codegen = (
  usage: typeof Commands.codegen,
  words: ReadonlyArray<string>,
  { importFrom }: { readonly importFrom: Option.Option<string> }
) =>
  Effect.gen(function*() {
    const { out, schema } = yield* bind(usage, words)
    const source = yield* generateFromFile(schema, Option.getOrUndefined(importFrom))
    if (out === undefined) return yield* Console.log(source.trimEnd())
    const fs = yield* FileSystem.FileSystem
    yield* fs.writeFileString(out, source)
  })
