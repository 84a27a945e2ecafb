/**
 * The TypeDoc plugin behind `npm run docs` (typedoc.json loads it, compiled, from `dist/scripts/`).
 *
 * It has TypeDoc read the sources the way this project writes them, as Effect's docgen does:
 *
 * - a module's documentation is the first comment of its file (TypeDoc would want `@module` there,
 *   and for `export * as Name` it would show the one-line comment of the export instead);
 * - the modules are named as they are imported: `effect-ovsdb` and `effect-ovsdb/models/…`.
 *
 * and it adds two checks to TypeDoc's validation, each failing the build:
 *
 * - every export of a public module (a module, namespace, class, interface, type, function,
 *   constant or enum) has a description and an `@since` tag;
 * - every TypeScript example in a comment (a fenced `ts` block, as `@example` holds) compiles, on
 *   its own, as a module of this package: it imports what it uses, from `effect-ovsdb`,
 *   `effect-ovsdb/models/…` or `effect`, and may `await` at the top. The examples are type-checked,
 *   not run.
 *
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { CommentDisplayPart, Context, ProjectReflection, Reflection } from "typedoc"
import { Application, Comment, Converter, DeclarationReflection, ReflectionKind, SignatureReflection } from "typedoc"
import ts from "typescript"

/**
 * A TypeScript example found in a documentation comment: its code, and where it is written.
 *
 * @since 0.1.0
 * @category models
 */
export interface Example {
  /** What the example documents, as the reference names it. */
  readonly owner: string
  /** The file the comment is in. */
  readonly file: string
  /** The line (1-based) of the example's first line of code in that file. */
  readonly line: number
  /** The code between the fences, without the comment's ` * `. */
  readonly code: string
}

/**
 * The kinds of reflection that are exports and must be documented.
 *
 * @since 0.1.0
 * @category constants
 */
export const EXPORT_KINDS: ReflectionKind = ReflectionKind.Module | ReflectionKind.Namespace |
  ReflectionKind.Variable | ReflectionKind.Function | ReflectionKind.Class | ReflectionKind.Interface |
  ReflectionKind.TypeAlias | ReflectionKind.Enum

/** A fenced TypeScript block of a comment: ```ts or ```typescript. */
const TS_FENCE = /^```(?:ts|typescript)[ \t]*\n([\s\S]*?)\n?```$/

/** The text of a line of a `/** … *\/` comment, without its leading blanks, `*` and one space. */
const commentLine = (line: string): string => line.replace(/^\s*\*(?: |$)/, "").trimEnd()

/**
 * The module a reflection of `export * as Name from "./File.js"` or of an entry point stands for:
 * the source file, if it is one.
 */
const moduleFile = (context: Context, reflection: Reflection): ts.SourceFile | undefined => {
  const symbol = context.getSymbolFromReflection(reflection)
  if (symbol === undefined) return undefined
  const target = symbol.flags & ts.SymbolFlags.Alias ? context.checker.getAliasedSymbol(symbol) : symbol
  return target.declarations?.find(ts.isSourceFile)
}

/**
 * A file's header: its first comment, when it is a `/** … *\/` comment, the only one before the
 * file's first statement (otherwise that statement's own comment could be taken for it).
 */
const fileHeader = (context: Context, file: ts.SourceFile): Comment | undefined => {
  const first = file.statements[0]
  if (first === undefined) return undefined
  const docComments = (ts.getLeadingCommentRanges(file.text, first.pos) ?? [])
    .filter((range) => file.text.startsWith("/**", range.pos))
  return docComments.length === 1 ? context.getNodeComment(first, false) : undefined
}

/**
 * The name of an entry point's module as it is imported: TypeDoc names them by their path under
 * `src/`, `index` and `models/OVN_Northbound`.
 *
 * @since 0.1.0
 * @category naming
 */
export const importName = (packageName: string, moduleName: string): string =>
  moduleName === "index" ? packageName : `${packageName}/${moduleName}`

const onDeclaration = (context: Context, reflection: DeclarationReflection): void => {
  if (!reflection.kindOf(ReflectionKind.SomeModule)) return
  const file = moduleFile(context, reflection)
  const header = file === undefined ? undefined : fileHeader(context, file)
  if (header !== undefined) reflection.comment = header
  if (reflection.kindOf(ReflectionKind.Module) && reflection.parent === context.project) {
    reflection.name = importName(context.project.name, reflection.name)
  }
}

/** A reflection's documentation: its own comment, or its first signature's (a function's). */
const documentation = (reflection: Reflection): Comment | undefined => {
  if (reflection.comment !== undefined) return reflection.comment
  if (reflection instanceof DeclarationReflection) {
    return reflection.signatures?.[0]?.comment ?? reflection.getSignature?.comment
  }
  return undefined
}

/** The first place a reflection is declared, `file:line`, from the package root. */
const declaredAt = (reflection: Reflection, root: string): string => {
  const source = sourcesOf(reflection)[0]
  return source === undefined ? reflection.getFullName() : `${Path.relative(root, source.file)}:${source.line}`
}

/** Where a reflection is declared: its own sources, else its parent's (a signature's function). */
const sourcesOf = (reflection: Reflection): ReadonlyArray<{ readonly file: string; readonly line: number }> => {
  const own = reflection instanceof DeclarationReflection || reflection instanceof SignatureReflection
    ? reflection.sources ?? []
    : []
  if (own.length > 0) return own.map((source) => ({ file: source.fullFileName, line: source.line }))
  return reflection.parent === undefined ? [] : sourcesOf(reflection.parent)
}

/**
 * What each export of the project lacks: a description (a comment with text before its tags) or an
 * `@since` tag. An export is a reflection of `EXPORT_KINDS` declared in the package's own files.
 *
 * @since 0.1.0
 * @category checks
 */
export const undocumented = (project: ProjectReflection, root: string): ReadonlyArray<string> => {
  const problems: Array<string> = []
  for (const reflection of project.getReflectionsByKind(EXPORT_KINDS)) {
    if (!(reflection instanceof DeclarationReflection) || reflection.inheritedFrom !== undefined) continue
    if (!sourcesOf(reflection).some((source) => isOwnFile(source.file, root))) continue
    const comment = documentation(reflection)
    const lacks = [
      ...(comment === undefined || Comment.combineDisplayParts(comment.summary).trim() === "" ? ["description"] : []),
      ...(comment?.getTag("@since") === undefined && !isGenerated(reflection, root) ? ["@since"] : [])
    ]
    if (lacks.length === 0) continue
    const kind = ReflectionKind.singularString(reflection.kind).toLowerCase()
    problems.push(
      `${declaredAt(reflection, root)}: ${kind} ${reflection.getFriendlyFullName()} has no ${lacks.join(" and no ")}`
    )
  }
  return problems
}

/**
 * Whether a reflection is declared in a generated model (`src/models/`), whose exports have no
 * `@since` of their own: `effect-ovsdb codegen` writes it on the module only.
 */
const isGenerated = (reflection: Reflection, root: string): boolean =>
  sourcesOf(reflection).every((source) =>
    Path.relative(root, source.file).startsWith(`src${Path.sep}models${Path.sep}`)
  )

/** Whether a file is one of the package's own (not a dependency's). */
const isOwnFile = (file: string, root: string): boolean => {
  const relative = Path.relative(root, file)
  return !relative.startsWith("..") && !Path.isAbsolute(relative) && !relative.split(Path.sep).includes("node_modules")
}

/** The fenced TypeScript blocks of a comment's parts, each the code between its fences. */
const fencedCode = (parts: ReadonlyArray<CommentDisplayPart>): ReadonlyArray<string> =>
  parts.flatMap((part) => {
    const match = part.kind === "code" ? TS_FENCE.exec(part.text) : null
    return match === null ? [] : [match[1] ?? ""]
  })

/**
 * The line (1-based) where `code` starts in a `/** … *\/` comment of `text`, the line after its
 * opening fence.
 *
 * @since 0.1.0
 * @category examples
 */
export const lineOfCode = (text: string, code: string): number | undefined => {
  const lines = text.split("\n").map(commentLine)
  const wanted = code.split("\n").map((line) => line.trimEnd())
  for (let index = 0; index < lines.length; index++) {
    if (!/^```(?:ts|typescript)$/.test(lines[index] ?? "")) continue
    if (wanted.every((line, offset) => lines[index + 1 + offset] === line)) return index + 2
  }
  return undefined
}

/**
 * Whether a name is plainer than another for the same comment (a comment can be reached through a
 * type it is expanded in, as `Typed.monitor.ovsdb.__type.rpc`): fewer anonymous types, then shorter.
 */
const plainer = (name: string, than: string): boolean => {
  const anonymous = (text: string) => text.split("__type").length
  return anonymous(name) < anonymous(than) || (anonymous(name) === anonymous(than) && name.length < than.length)
}

/**
 * Every TypeScript example of the package's own comments in the project, once each: in a summary
 * or a tag (`@example` above all) of a module, an export or a member.
 *
 * @since 0.1.0
 * @category examples
 */
export const examples = (project: ProjectReflection, root: string): ReadonlyArray<Example> => {
  const found = new Map<string, Example>()
  const texts = new Map<string, string>()
  const textOf = (file: string) => {
    const known = texts.get(file)
    if (known !== undefined) return known
    const text = Fs.readFileSync(file, "utf8")
    texts.set(file, text)
    return text
  }
  for (const reflection of Object.values(project.reflections)) {
    const comment = reflection.comment
    if (comment === undefined) continue
    if (
      (reflection instanceof DeclarationReflection || reflection instanceof SignatureReflection) &&
      reflection.inheritedFrom !== undefined
    ) continue
    const sources = sourcesOf(reflection).filter((source) => isOwnFile(source.file, root))
    const declared = sources[0]
    if (declared === undefined) continue
    for (const code of fencedCode([...comment.summary, ...comment.blockTags.flatMap((tag) => tag.content)])) {
      // Where the example is written; if its lines cannot be found, where what it documents is.
      const { file, line } = sources.flatMap((source) => {
        const line = lineOfCode(textOf(source.file), code)
        return line === undefined ? [] : [{ file: source.file, line }]
      })[0] ?? declared
      const key = `${file}:${line}:${code}`
      const owner = reflection.getFriendlyFullName()
      const known = found.get(key)
      if (known === undefined || plainer(owner, known.owner)) found.set(key, { owner, file, line, code })
    }
  }
  return [...found.values()]
}

/**
 * The options examples compile with: the project's, without the checks of unused names (an
 * example may show a value it does not use), and with the package's import paths mapped to its
 * sources.
 *
 * @since 0.1.0
 * @category examples
 */
export const exampleOptions = (options: ts.CompilerOptions, root: string, packageName: string): ts.CompilerOptions => ({
  ...options,
  noEmit: true,
  declaration: false,
  declarationMap: false,
  sourceMap: false,
  noUnusedLocals: false,
  noUnusedParameters: false,
  paths: {
    [packageName]: [Path.join(root, "src", "index.ts")],
    [`${packageName}/models/*`]: [Path.join(root, "src", "models", "*.ts")]
  }
})

/**
 * Type-checks examples, each as a module of its own in the package root, and tells what fails:
 * `file:line:column` of the comment (from the package root), what the example documents, and
 * TypeScript's message.
 *
 * @since 0.1.0
 * @category examples
 */
export const checkExamples = (
  all: ReadonlyArray<Example>,
  options: ts.CompilerOptions,
  root: string
): ReadonlyArray<string> => {
  const files = new Map(all.map((example, index) => [Path.join(root, `docs-example-${index}.ts`), example]))
  // Each ends with an export so that it is a module even without imports: names stay its own.
  const text = (example: Example) => `${example.code}\nexport {}\n`
  const host = ts.createCompilerHost(options, true)
  const { fileExists, getSourceFile, readFile } = host
  host.fileExists = (file) => files.has(file) || fileExists.call(host, file)
  host.readFile = (file) => {
    const example = files.get(file)
    return example === undefined ? readFile.call(host, file) : text(example)
  }
  host.getSourceFile = (file, language, onError, create) => {
    const example = files.get(file)
    return example === undefined
      ? getSourceFile.call(host, file, language, onError, create)
      : ts.createSourceFile(file, text(example), language)
  }
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host })
  const message = (diagnostic: ts.Diagnostic) =>
    `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`
  const problems = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map((diagnostic) =>
    `examples: ${message(diagnostic)}`
  )
  for (const [file, example] of files) {
    const source = program.getSourceFile(file)
    if (source === undefined) continue
    for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const at = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
      problems.push(
        `${placeInComment(example, at, root)}: the example of ${example.owner} does not compile: ${message(diagnostic)}`
      )
    }
  }
  return problems
}

/**
 * Where a place in an example is in its comment, `file:line:column` from the package root: a line
 * of the example is a line of the comment after its ` * `.
 */
const placeInComment = (example: Example, at: ts.LineAndCharacter, root: string): string => {
  const line = example.line + at.line
  const written = Fs.readFileSync(example.file, "utf8").split("\n")[line - 1] ?? ""
  const margin = /^\s*\*? ?/.exec(written)?.[0].length ?? 0
  return `${Path.relative(root, example.file)}:${line}:${margin + at.character + 1}`
}

/**
 * Installs the plugin: module headers and names while TypeDoc converts, the checks when it
 * validates (each problem is an error, so the build fails).
 *
 * @since 0.1.0
 * @category plugin
 */
export const load = (app: Application): void => {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, onDeclaration, 100)
  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    const root = Path.dirname(Path.resolve(app.options.getValue("tsconfig")))
    const found = examples(project, root)
    const problems = [
      ...undocumented(project, root),
      ...checkExamples(found, exampleOptions(app.options.getCompilerOptions(app.logger), root, project.name), root)
    ]
    for (const problem of problems) app.logger.error(problem)
    app.logger.info(`${found.length} examples type-checked, ${problems.length} problems`)
  })
}
