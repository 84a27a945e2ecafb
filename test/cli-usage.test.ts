// The command line's usage tables: how `bind` gives each positional argument its value, as
// ovsdb-client reads its optional SERVER and DATABASE, and the notation the help and the usage
// lines are derived from.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import * as Commands from "../src/cli/Commands.js"
import { bind, DEFAULT_SERVER, notation, type Usage, usageLine } from "../src/cli/Usage.js"

/** The values `bind` gives, or the mistake's message and usage line. */
const bound = <U extends Usage>(usage: U, words: ReadonlyArray<string>, databases?: ReadonlyArray<string>) =>
  Effect.map(Effect.result(bind(usage, words, databases)), (result): object =>
    Result.isSuccess(result)
      ? { values: result.success }
      : { mistake: result.failure.message, usage: result.failure.usage })

const DATABASES = ["Open_vSwitch", "_Server"]

describe("bind", () => {
  it.effect("SERVER is the first word when it has a remote's form and there are more words than required", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* bound(Commands.listDbs, []), { values: { server: DEFAULT_SERVER } })
      assert.deepStrictEqual(yield* bound(Commands.listDbs, ["tcp:127.0.0.1:6641"]), {
        values: { server: "tcp:127.0.0.1:6641" }
      })
      // One word, and transact requires one: it is the TRANSACTION, as for ovsdb-client.
      assert.deepStrictEqual(yield* bound(Commands.transact, ["unix:db.sock"]), {
        values: { server: DEFAULT_SERVER, transaction: "unix:db.sock" }
      })
      // Not a remote's form: a word, not the server.
      assert.deepStrictEqual(yield* bound(Commands.lock, ["1x:y", "l"]), {
        mistake: "too many arguments for 'lock' (use --help for help)",
        usage: "usage: effect-ovsdb [OPTIONS] lock [SERVER] LOCK"
      })
    }))

  it.effect("DATABASE is the next word when the server has it; else Open_vSwitch, or the only database", () =>
    Effect.gen(function*() {
      const dump = (words: ReadonlyArray<string>, databases = DATABASES) => bound(Commands.dump, words, databases)
      assert.deepStrictEqual(yield* dump(["unix:db.sock", "Open_vSwitch", "Bridge", "name", "ports"]), {
        values: { server: "unix:db.sock", database: "Open_vSwitch", table: "Bridge", columns: ["name", "ports"] }
      })
      assert.deepStrictEqual(yield* dump(["Bridge", "name"]), {
        values: { server: DEFAULT_SERVER, database: "Open_vSwitch", table: "Bridge", columns: ["name"] }
      })
      assert.deepStrictEqual(yield* dump([]), {
        values: { server: DEFAULT_SERVER, database: "Open_vSwitch", table: undefined, columns: [] }
      })
      assert.deepStrictEqual(yield* dump(["unix:db.sock"], ["OVN_Northbound", "_Server"]), {
        values: { server: "unix:db.sock", database: "OVN_Northbound", table: undefined, columns: [] }
      })
      // No default: ovsdb-client's message, without a usage line (the arguments were fine).
      assert.deepStrictEqual(yield* dump([], ["A", "B"]), {
        mistake: "could not find a default database, please specify a database name",
        usage: undefined
      })
      // More words than get-schema takes, and the first is no database: ovsdb-client names it.
      assert.deepStrictEqual(yield* bound(Commands.getSchema, ["Nope"], DATABASES), {
        mistake: "get-schema: unknown database Nope",
        usage: undefined
      })
      assert.deepStrictEqual(yield* bound(Commands.getSchema, ["Open_vSwitch", "x"], DATABASES), {
        mistake: "too many arguments for 'get-schema' (use --help for help)",
        usage: "usage: effect-ovsdb [OPTIONS] get-schema [SERVER] [DATABASE]"
      })
    }))

  it.effect("with several remotes, DATABASE must be named, and is taken without asking the server", () =>
    Effect.gen(function*() {
      const cluster = "unix:a.sock,unix:b.sock"
      assert.deepStrictEqual(yield* bound(Commands.listTables, [cluster, "OVN_Northbound"]), {
        values: { server: cluster, database: "OVN_Northbound" }
      })
      // ovsdb-client's message, as it writes it.
      assert.deepStrictEqual(yield* bound(Commands.listTables, [cluster]), {
        mistake: "database name is required with multiple remotes",
        usage: undefined
      })
    }))

  it.effect("LASTID is taken when the word has a UUID's form", () =>
    Effect.gen(function*() {
      const id = "5b3c8d9e-3a9f-4e0a-8a47-2f1f1f6f0a11"
      const since = (words: ReadonlyArray<string>) => bound(Commands.monitorCondSince, words, ["OVN_Northbound"])
      assert.deepStrictEqual(yield* since(["OVN_Northbound", id, "[true]", "Logical_Switch", "name"]), {
        values: {
          server: DEFAULT_SERVER,
          database: "OVN_Northbound",
          lastId: id,
          condition: "[true]",
          table: "Logical_Switch",
          columns: ["name"]
        }
      })
      assert.deepStrictEqual(yield* since(["[true]", "Logical_Switch"]), {
        values: {
          server: DEFAULT_SERVER,
          database: "OVN_Northbound",
          lastId: undefined,
          condition: "[true]",
          table: "Logical_Switch",
          columns: []
        }
      })
    }))

  it.effect("a missing argument, and a value not among the choices, are mistakes with the usage line", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* bound(Commands.serve, []), {
        mistake: "missing SCHEMA argument",
        usage: "usage: effect-ovsdb [OPTIONS] serve --remote=REMOTE... SCHEMA..."
      })
      assert.deepStrictEqual(yield* bound(Commands.wait, ["OVN_Northbound", "gone"]), {
        mistake: "STATE must be one of added, connected, removed, not \"gone\"",
        usage: "usage: effect-ovsdb [OPTIONS] wait [SERVER] DATABASE STATE"
      })
      assert.deepStrictEqual(yield* bound(Commands.codegen, ["a.ovsschema", "A.ts"]), {
        values: { schema: "a.ovsschema", out: "A.ts" }
      })
    }))
})

describe("notation", () => {
  it("writes optional arguments in brackets, repeated ones with ..., and the command's own flags first", () => {
    assert.strictEqual(notation(Commands.dump), "[SERVER] [DATABASE] [TABLE [COLUMN]...]")
    assert.strictEqual(notation(Commands.appctl), "[--target=TARGET] COMMAND [ARG]...")
    assert.strictEqual(notation(Commands.serve), "--remote=REMOTE... SCHEMA...")
    assert.strictEqual(usageLine(Commands.listDbs), "usage: effect-ovsdb [OPTIONS] list-dbs [SERVER]")
  })
})
