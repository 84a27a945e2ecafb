// The command line's help and usage lines: `effect-ovsdb --help` lists every command in
// ovsdb-client's notation (the same lines as `ovsdb-client --help` where both have the command),
// `effect-ovsdb COMMAND --help` names each argument and flag and gives an example, every flag the
// parser takes has a description, and a usage mistake prints the command's usage line.
import { NodeServices } from "@effect/platform-node"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option } from "effect"
import { CliOutput, Command } from "effect/cli"
import type { HelpDoc } from "effect/cli/HelpDoc"
import { TestConsole } from "effect/testing"
import { cli, run } from "../src/cli/Cli.js"
import { runToolResult } from "./support/OvsdbServer.js"

/** Each command's arguments in ovsdb-client's notation, as its usage line writes them. */
const NOTATION: { readonly [command: string]: string } = {
  "list-dbs": "[SERVER]",
  "get-schema": "[SERVER] [DATABASE]",
  "list-tables": "[SERVER] [DATABASE]",
  "list-columns": "[SERVER] [DATABASE] [TABLE]",
  transact: "[SERVER] TRANSACTION",
  query: "[SERVER] TRANSACTION",
  dump: "[SERVER] [DATABASE] [TABLE [COLUMN]...]",
  monitor: "[SERVER] [DATABASE] TABLE [COLUMN,...]...",
  "monitor-cond": "[SERVER] [DATABASE] CONDITION TABLE [COLUMN,...]...",
  "monitor-cond-since": "[SERVER] [DATABASE] [LASTID] CONDITION TABLE [COLUMN,...]...",
  lock: "[SERVER] LOCK",
  steal: "[SERVER] LOCK",
  unlock: "[SERVER] LOCK",
  wait: "[SERVER] DATABASE STATE",
  echo: "[SERVER] [ARG]...",
  appctl: "[--target=TARGET] COMMAND [ARG]...",
  codegen: "[--import=MODULE] SCHEMA [OUT]",
  serve: "--remote=REMOTE... SCHEMA..."
}

/** Each command's positional arguments, in order, as its help names them. */
const ARGUMENTS: { readonly [command: string]: ReadonlyArray<string> } = {
  "list-dbs": ["SERVER"],
  "get-schema": ["SERVER", "DATABASE"],
  "list-tables": ["SERVER", "DATABASE"],
  "list-columns": ["SERVER", "DATABASE", "TABLE"],
  transact: ["SERVER", "TRANSACTION"],
  query: ["SERVER", "TRANSACTION"],
  dump: ["SERVER", "DATABASE", "TABLE", "COLUMN"],
  monitor: ["SERVER", "DATABASE", "TABLE", "COLUMN,..."],
  "monitor-cond": ["SERVER", "DATABASE", "CONDITION", "TABLE", "COLUMN,..."],
  "monitor-cond-since": ["SERVER", "DATABASE", "LASTID", "CONDITION", "TABLE", "COLUMN,..."],
  lock: ["SERVER", "LOCK"],
  steal: ["SERVER", "LOCK"],
  unlock: ["SERVER", "LOCK"],
  wait: ["SERVER", "DATABASE", "STATE"],
  echo: ["SERVER", "ARG"],
  appctl: ["COMMAND", "ARG"],
  codegen: ["SCHEMA", "OUT"],
  serve: ["SCHEMA"]
}

const COMMANDS = Object.keys(NOTATION)

/** The commands whose line in `ovsdb-client --help` is ours, word for word. */
const AS_OVSDB_CLIENT = [
  "list-dbs",
  "get-schema",
  "list-tables",
  "list-columns",
  "transact",
  "query",
  "monitor",
  "monitor-cond",
  "monitor-cond-since",
  "wait",
  "lock",
  "steal",
  "unlock"
]

afterEach(() => {
  process.exitCode = 0
})

/**
 * Runs our CLI in-process; returns what it printed and its exit status: the one it set, or 1 when
 * the run failed (a mistake the parser found), as the program's runtime exits.
 */
const ours = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    process.exitCode = 0
    const exit = yield* Effect.exit(run(args))
    const stdout = (yield* TestConsole.logLines).map((line) => `${String(line)}\n`).join("")
    const stderr = (yield* TestConsole.errorLines).map((line) => `${String(line)}\n`).join("")
    const code = Exit.isFailure(exit) ? 1 : Number(process.exitCode ?? 0)
    process.exitCode = 0
    return { code, stdout, stderr }
  }).pipe(Effect.provide(Layer.merge(TestConsole.layer, NodeServices.layer)))

/** The parser's own account of a command's flags: the help document it builds for `--help`. */
const helpDoc = (path: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    let doc: HelpDoc | undefined
    const capture = CliOutput.layerPresenter({
      present: (event) =>
        Effect.sync(() => {
          if (event._tag === "Help") doc = event.helpDoc
        })
    })
    yield* Command.runWith(cli, { version: "0" })([...path, "--help"]).pipe(Effect.provide(capture))
    assert.isDefined(doc, path.join(" "))
    return doc
  }).pipe(Effect.provide(NodeServices.layer))

/** Every flag a help document lists: the command's own, those it inherits, and the global ones. */
const flagsOf = (doc: HelpDoc) => [...doc.flags, ...(doc.inheritedFlags ?? []), ...(doc.globalFlags ?? [])]

/** The lines of the section titled `title`, up to the blank line that ends it. */
const section = (text: string, title: string): ReadonlyArray<string> => {
  const lines = text.split("\n")
  const start = lines.indexOf(title)
  if (start < 0) return []
  const end = lines.indexOf("", start)
  return lines.slice(start + 1, end < 0 ? undefined : end)
}

describe("effect-ovsdb --help", () => {
  it.effect("lists every command with its arguments in ovsdb-client's notation, and nothing on stderr", () =>
    Effect.gen(function*() {
      const help = yield* ours(["--help"])
      assert.deepStrictEqual([help.code, help.stderr], [0, ""])
      assert.match(help.stdout, /^effect-ovsdb: .*\nusage: effect-ovsdb \[OPTIONS\] COMMAND \[ARG\.\.\.\]\n/)
      const lines = help.stdout.split("\n")
      const commands = lines.slice(
        lines.indexOf("Valid commands are:"),
        lines.findIndex((l) => l.startsWith("The default"))
      )
      const listed = commands.filter((line) => /^ {2}[a-z]/.test(line))
      assert.deepStrictEqual(listed, COMMANDS.map((command) => `  ${command} ${NOTATION[command]}`))
    }))

  it.effect("is what effect-ovsdb prints with no command at all", () =>
    Effect.gen(function*() {
      const bare = yield* ours([])
      assert.strictEqual(bare.stderr, "")
      assert.match(bare.stdout, /^effect-ovsdb: .*\nusage: effect-ovsdb \[OPTIONS\] COMMAND \[ARG\.\.\.\]\n/)
      assert.include(bare.stdout, `\n  monitor-cond-since ${NOTATION["monitor-cond-since"]}\n`)
    }))

  it.effect("writes each command ovsdb-client also has on the line ovsdb-client --help writes", () =>
    Effect.gen(function*() {
      const theirs = yield* runToolResult("ovsdb-client", ["--help"])
      assert.strictEqual(theirs.code, 0, theirs.stderr)
      const help = (yield* ours(["--help"])).stdout.split("\n")
      for (const command of AS_OVSDB_CLIENT) {
        const line = `  ${command} ${NOTATION[command]}`
        assert.include(theirs.stdout.split("\n"), line, `ovsdb-client --help has ${line}`)
        assert.include(help, line)
      }
      // ovsdb-client's dump takes a TABLE and COLUMNs too, though its help leaves them out.
      assert.include(theirs.stdout.split("\n"), "  dump [SERVER] [DATABASE]")
      assert.include(help, "  dump [SERVER] [DATABASE] [TABLE [COLUMN]...]")
    }))

  it.effect("lists every flag the parser takes, each with its description", () =>
    Effect.gen(function*() {
      const doc = yield* helpDoc([])
      const help = (yield* ours(["--help"])).stdout
      const options = section(help, "Options (of every command):")
      const other = section(help, "Other options:")
      const text = [...options, ...other].join("\n")
      const flags = flagsOf(doc)
      assert.isAtLeast(flags.length, 12)
      for (const flag of flags) {
        const description = Option.getOrElse(flag.description, () => "")
        assert.notStrictEqual(description, "", `--${flag.name} has a description`)
        assert.match(text, new RegExp(`--${flag.name}\\b`), `--${flag.name} is listed`)
        // The description's first words are printed (a long one is wrapped after them).
        assert.include(text.replace(/\n {2,}/g, " "), description.split(" ").slice(0, 4).join(" "))
      }
    }))

  it.effect("says the TLS flags are for ssl: remotes", () =>
    Effect.gen(function*() {
      const doc = yield* helpDoc([])
      for (const name of ["private-key", "certificate", "ca-cert"]) {
        const flag = doc.flags.find((f) => f.name === name)
        assert.isDefined(flag, name)
        assert.include(Option.getOrElse(flag.description, () => ""), "for ssl: remotes", name)
      }
    }))
})

describe("effect-ovsdb COMMAND --help", () => {
  for (const command of COMMANDS) {
    it.effect(`${command} --help names each argument and flag, with what it is, and gives an example`, () =>
      Effect.gen(function*() {
        const help = yield* ours([command, "--help"])
        assert.deepStrictEqual([help.code, help.stderr], [0, ""])
        const lines = help.stdout.split("\n")
        assert.strictEqual(lines[0], `usage: effect-ovsdb [OPTIONS] ${command} ${NOTATION[command]}`)
        assert.notStrictEqual(lines[2], "", "a description follows the usage line")

        // Each argument, in order, with a description beside it.
        const args = section(help.stdout, "Arguments:").filter((line) => /^ {2}\S/.test(line))
        assert.deepStrictEqual(args.map((line) => line.trim().split(/\s+/)[0]), [...ARGUMENTS[command]!])
        for (const line of args) assert.match(line, /^ {2}\S+ {2,}\S/, line)

        // Each flag the parser takes for this command, its own first, with its description.
        const doc = yield* helpDoc([command])
        const own = section(help.stdout, `Options of ${command}:`).join("\n")
        for (const flag of doc.flags) assert.match(own, new RegExp(`--${flag.name}\\b`), `--${flag.name}`)
        const text = help.stdout.replace(/\n {2,}/g, " ")
        for (const flag of flagsOf(doc)) {
          const description = Option.getOrElse(flag.description, () => "")
          assert.notStrictEqual(description, "", `--${flag.name} has a description`)
          assert.include(text, description.split(" ").slice(0, 4).join(" "), `--${flag.name}'s description`)
        }

        // An example of the command itself.
        const example = section(help.stdout, "Example:")
        assert.isAtLeast(example.length, 1)
        assert.match(example[example.length - 1]!, new RegExp(`^ {2}effect-ovsdb (-\\S+ )*${command} \\S`))
      }))
  }
})

describe("a usage mistake", () => {
  // No server is reached: the mistakes are found before connecting (with a list of remotes the
  // database must be named, so the arguments are checked at once).
  const nowhere = "unix:/nonexistent/a.sock,unix:/nonexistent/b.sock"
  const mistakes: ReadonlyArray<readonly [readonly [string, ...Array<string>], RegExp]> = [
    [["list-dbs", "unix:/nonexistent/db.sock", "extra"], /^too many arguments for 'list-dbs'/],
    [["get-schema", nowhere, "Open_vSwitch", "extra"], /^too many arguments for 'get-schema'/],
    [["list-tables", nowhere, "Open_vSwitch", "extra"], /^too many arguments for 'list-tables'/],
    [["list-columns", nowhere, "Open_vSwitch", "Bridge", "extra"], /^too many arguments for 'list-columns'/],
    [["transact"], /^missing TRANSACTION argument$/],
    [["query"], /^missing TRANSACTION argument$/],
    [["dump", "--bogus"], /^Unrecognized flag: --bogus/],
    [["monitor", "--max-column-width=wide"], /^Invalid value for flag --max-column-width: "wide"/],
    [["monitor-cond", "--format"], /^Missing value for flag --format/],
    [["monitor-cond-since", "--since"], /^Unrecognized flag: --since/],
    [["lock"], /^missing LOCK argument$/],
    [["steal", "unix:/nonexistent/db.sock", "a", "b"], /^too many arguments for 'steal'/],
    [["unlock"], /^missing LOCK argument$/],
    [["wait", "Open_vSwitch", "soon"], /^STATE must be one of added, connected, removed, not "soon"$/],
    [["echo", "--timeout"], /^Missing value for flag --timeout/],
    [["appctl"], /^missing COMMAND argument$/],
    [["codegen"], /^missing SCHEMA argument$/],
    [["serve", "--remote=ptcp:0"], /^missing SCHEMA argument$/]
  ]
  for (const [args, message] of mistakes) {
    const [command] = args
    it.effect(`${args.join(" ")}: one line of error, then ${command}'s usage line, exit status 1`, () =>
      Effect.gen(function*() {
        const result = yield* ours(args)
        assert.deepStrictEqual([result.code, result.stdout], [1, ""])
        const [error, usage, ...rest] = result.stderr.split("\n")
        assert.match(error!.replace(/^effect-ovsdb: /, ""), message)
        assert.match(error!, /^effect-ovsdb: /)
        assert.strictEqual(usage, `usage: effect-ovsdb [OPTIONS] ${command} ${NOTATION[command]}`)
        assert.deepStrictEqual(rest, [""])
      }))
  }

  it.effect("an unknown command: the program's usage line", () =>
    Effect.gen(function*() {
      const result = yield* ours(["lst-dbs"])
      assert.strictEqual(result.code, 1)
      assert.strictEqual(
        result.stderr,
        "effect-ovsdb: Unknown subcommand \"lst-dbs\" for \"effect-ovsdb\" (did you mean list-dbs?); " +
          "use --help for help\nusage: effect-ovsdb [OPTIONS] COMMAND [ARG...]\n"
      )
    }))
})
