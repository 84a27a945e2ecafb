// The CLI given a list of remotes, against a real 3-member Raft cluster: monitors follow the cluster
// across leader kills, every command uses the leader unless --no-leader-only, the database must be
// named (as ovsdb-client requires), and a command that does not follow ends with its connection.
import { NodeServices } from "@effect/platform-node"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { TestConsole } from "effect/testing"
import * as ChildProcess from "node:child_process"
import { run } from "../src/cli/Cli.js"
import { eventually } from "./support/eventually.js"
import { OvsdbCluster } from "./support/OvsdbCluster.js"
import { runTool, runToolResult } from "./support/OvsdbServer.js"

const NB = "OVN_Northbound"

afterEach(() => {
  process.exitCode = 0
})

/** What our CLI, run in-process, has printed so far. */
const printed = Effect.gen(function*() {
  const stdout = (yield* TestConsole.logLines).map((line) => `${String(line)}\n`).join("")
  const stderr = (yield* TestConsole.errorLines).map((line) => `${String(line)}\n`).join("")
  return { stdout, stderr }
})

/** Runs our CLI in-process to its end; returns what it printed and the exit status it set. */
const ours = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    process.exitCode = 0
    yield* run(args)
    const code = Number(process.exitCode ?? 0)
    process.exitCode = 0
    return { code, ...(yield* printed) }
  }).pipe(Effect.provide(Layer.merge(TestConsole.layer, NodeServices.layer)))

/** The names in the `insert` rows of monitor output whose only column is `name`. */
const inserted = (stdout: string) => [...stdout.matchAll(/"insert","([^"]+)"/g)].map((match) => match[1]!)

describe("the CLI over a list of remotes", () => {
  it.live(
    "monitor-cond-since follows the cluster across leader kills and sees every switch exactly once",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        // ovn-nbctl gives up when the first remote it tries is refused or not the leader: it gets the leader.
        const nbctl = (...args: ReadonlyArray<string>) =>
          Effect.flatMap(
            cluster.leader,
            (leader) => runTool("ovn-nbctl", [`--db=${cluster.members[leader]!.unix}`, ...args])
          )
        const cli = yield* Effect.forkChild(
          run(["--format=json", "monitor-cond-since", cluster.unix, NB, "[true]", "Logical_Switch", "name"])
        )
        yield* eventually("the monitor's first line", Effect.map(printed, ({ stdout }) => stdout.startsWith("found: ")))
        const expected: Array<string> = []
        const kills = 3
        for (let round = 0; round < kills; round++) {
          for (const name of [`sw-${round}-before`, `sw-${round}-during`]) {
            if (name.endsWith("during")) {
              const leader = yield* cluster.leader
              yield* cluster.kill(leader)
              // Added as soon as there is a new leader, while the CLI may still be reconnecting.
              yield* nbctl("ls-add", name)
              yield* cluster.restart(leader)
            } else {
              yield* nbctl("ls-add", name)
            }
            expected.push(name)
          }
          yield* eventually(
            `round ${round}'s switches on the monitor`,
            Effect.map(printed, ({ stdout }) => inserted(stdout).length === expected.length)
          )
        }
        yield* cluster.leader
        const { stderr, stdout } = yield* printed
        assert.deepStrictEqual(inserted(stdout), expected)
        // One line at each reconnect, naming the remote and why; never a reset: every resume was found.
        const reconnects = stderr.split("\n").filter((line) => line.includes("reconnected to unix:"))
        assert.strictEqual(reconnects.length, kills, stderr)
        // Which remote it is on now, and why the one before ended: its member was killed.
        for (const line of reconnects) {
          assert.match(line, /^effect-ovsdb: reconnected to unix:\S+ \(unix:\S+: the server closed the connection\)$/)
        }
        assert.notInclude(stderr, "read again")
        assert.strictEqual([...stdout.matchAll(/^last_id: /gm)].length, expected.length)
        yield* Fiber.interrupt(cli)
      }).pipe(Effect.provide(Layer.merge(TestConsole.layer, NodeServices.layer))),
    180_000
  )

  it.live(
    "commands use the leader unless --no-leader-only, and need the database named, as ovsdb-client",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const leader = yield* cluster.leader
        const followers = cluster.members.filter((member) => member.index !== leader).map((member) => member.unix).join(
          ","
        )
        // Only followers listed: ovsdb-client finds no server; so do we, naming why each was refused.
        for (const args of [["list-tables", followers, NB], ["get-schema", followers, NB]]) {
          assert.strictEqual((yield* runToolResult("ovsdb-client", args)).code, 1)
          const refused = yield* ours(args)
          assert.strictEqual(refused.code, 1)
          assert.strictEqual(refused.stdout, "")
          assert.match(refused.stderr, /^effect-ovsdb: .*the member is not the cluster leader.*\n$/)
        }
        // Any connected member will do with --no-leader-only; output as ovsdb-client's.
        const theirs = yield* runToolResult("ovsdb-client", ["--no-leader-only", "list-tables", followers, NB])
        assert.strictEqual(theirs.code, 0, theirs.stderr)
        assert.deepStrictEqual(yield* ours(["--no-leader-only", "list-tables", followers, NB]), {
          code: 0,
          stdout: theirs.stdout,
          stderr: ""
        })
        // With the leader in the list, a transaction goes to it.
        const transaction = `["${NB}",{"op":"insert","table":"Address_Set","row":{"name":"cli-cluster"}},` +
          `{"op":"select","table":"Address_Set","where":[],"columns":["name"]}]`
        const wrote = yield* ours(["transact", cluster.unix, transaction])
        assert.strictEqual(wrote.code, 0, wrote.stderr)
        assert.include(wrote.stdout, "{\"rows\":[{\"name\":\"cli-cluster\"}]}")
        // The database must be named with several remotes.
        const unnamed = yield* runToolResult("ovsdb-client", ["list-tables", cluster.unix])
        assert.deepStrictEqual(yield* ours(["list-tables", cluster.unix]), {
          code: 1,
          stdout: "",
          stderr: unnamed.stderr.replace(/^.*ovsdb-client: /ms, "effect-ovsdb: ")
        })
      }),
    120_000
  )

  it.live(
    "monitor over a list prints what ovsdb-client monitor prints on the leader: version 1 rows from the session's diffs",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const leader = cluster.members[yield* cluster.leader]!.unix
        const nbctl = (...args: ReadonlyArray<string>) => runTool("ovn-nbctl", [`--db=${leader}`, ...args])
        yield* nbctl("ls-add", "pre", "--", "set", "Logical_Switch", "pre", "other_config:a=1")
        const columns = ["Logical_Switch", "name,other_config"]
        let theirs = ""
        yield* Effect.acquireRelease(
          Effect.sync(() => {
            const child = ChildProcess.spawn("ovsdb-client", ["--format=json", "monitor", leader, NB, ...columns], {
              stdio: ["ignore", "pipe", "ignore"]
            })
            child.stdout.setEncoding("utf8").on("data", (text: string) => (theirs += text))
            return child
          }),
          (child) => Effect.sync(() => child.kill("SIGKILL"))
        )
        const cli = yield* Effect.forkChild(run(["--format=json", "monitor", cluster.unix, NB, ...columns]))
        const lines = (text: string) => text.split("\n").filter((line) => line !== "").length
        yield* eventually(
          "both monitors' initial rows",
          Effect.map(printed, ({ stdout }) => stdout.includes("\"initial\"") && theirs.includes("\"initial\""))
        )
        // A new row changed, a map key replaced and removed, an initial row changed, then deletes.
        yield* nbctl("ls-add", "x")
        yield* nbctl("set", "Logical_Switch", "x", "other_config:k=v")
        yield* nbctl("set", "Logical_Switch", "x", "other_config:k=w")
        yield* nbctl("remove", "Logical_Switch", "x", "other_config", "k")
        yield* nbctl("set", "Logical_Switch", "pre", "other_config:b=2")
        yield* nbctl("ls-del", "x")
        yield* nbctl("ls-del", "pre")
        yield* eventually(
          "both monitors' seven updates",
          Effect.map(printed, ({ stdout }) => lines(theirs) === 8 && lines(stdout) === 8)
        )
        assert.strictEqual((yield* printed).stdout, theirs)
        assert.include(theirs, "\"old\"")
        yield* Fiber.interrupt(cli)
      }).pipe(Effect.provide(Layer.merge(TestConsole.layer, NodeServices.layer))),
    120_000
  )

  it.live(
    "lock over a list of remotes ends when its connection does, as ovsdb-client lock",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const cli = yield* Effect.forkChild(run(["lock", cluster.unix, "cli_lock"]))
        yield* eventually("the lock's reply", Effect.map(printed, ({ stdout }) => stdout.includes("\"locked\":true")))
        // Whichever member it is on goes: every one.
        for (const member of cluster.members) yield* cluster.kill(member.index)
        yield* Fiber.join(cli).pipe(
          Effect.timeoutOrElse({ duration: "20 seconds", orElse: () => Effect.die("lock did not end") })
        )
        assert.strictEqual(Number(process.exitCode), 1)
        assert.match((yield* printed).stderr, /^effect-ovsdb: connection closed: [^\n]+\n$/)
      }).pipe(Effect.provide(Layer.merge(TestConsole.layer, NodeServices.layer))),
    120_000
  )
})
