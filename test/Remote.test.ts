// OVS remote syntax: every accepted form, every rejected one, and parse ∘ format.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import * as Remote from "../src/Remote.js"

const parsed = (input: string) => Effect.runSyncExit(Remote.parse(input))

describe("Remote", () => {
  const accepted: ReadonlyArray<readonly [string, Remote.Remote]> = [
    ["unix:/var/run/openvswitch/db.sock", { _tag: "Unix", path: "/var/run/openvswitch/db.sock" }],
    ["unix:relative.sock", { _tag: "Unix", path: "relative.sock" }],
    ["tcp:127.0.0.1:6641", { _tag: "Tcp", host: "127.0.0.1", port: 6641 }],
    ["tcp:127.0.0.1", { _tag: "Tcp", host: "127.0.0.1", port: 6640 }],
    ["tcp:ovsdb.example.com:1", { _tag: "Tcp", host: "ovsdb.example.com", port: 1 }],
    ["ssl:10.0.0.1:65535", { _tag: "Ssl", host: "10.0.0.1", port: 65535 }],
    ["tcp:[::1]:6640", { _tag: "Tcp", host: "::1", port: 6640 }],
    ["ssl:[fe80::1%eth0]", { _tag: "Ssl", host: "fe80::1%eth0", port: 6640 }]
  ]
  for (const [input, remote] of accepted) {
    it(`parses ${input}`, () => assert.deepStrictEqual(parsed(input), Exit.succeed(remote)))
  }

  const rejected = [
    "",
    "db.sock",
    "punix:/tmp/db.sock",
    "http://x",
    "unix:",
    "tcp:",
    "tcp::6640",
    "tcp:host:0",
    "tcp:host:65536",
    "tcp:host:port",
    "tcp:[::1",
    "tcp:::1]:6640",
    "tcp:[::1]x",
    "tcp:[host]:1",
    "tcp:ho st:1"
  ]
  for (const input of rejected) {
    it(`rejects ${JSON.stringify(input)} naming the input`, () => {
      const exit = parsed(input)
      assert.isTrue(Exit.isFailure(exit))
      const error = Effect.runSync(Effect.flip(Remote.parse(input)))
      assert.strictEqual(error._tag, "RemoteParseError")
      assert.strictEqual(error.input, input)
      assert.include(error.message, JSON.stringify(input))
    })
  }

  it("parses comma-separated lists, failing on the first bad entry", () => {
    assert.deepStrictEqual(
      Effect.runSync(Remote.parseList("tcp:10.0.0.1:6641, tcp:10.0.0.2:6641,unix:/x")),
      [
        { _tag: "Tcp", host: "10.0.0.1", port: 6641 },
        { _tag: "Tcp", host: "10.0.0.2", port: 6641 },
        { _tag: "Unix", path: "/x" }
      ]
    )
    const error = Effect.runSync(Effect.flip(Remote.parseList("tcp:a:1,bogus:2")))
    assert.strictEqual(error.input, "bogus:2")
    assert.strictEqual(Effect.runSync(Effect.flip(Remote.parseList(" "))).detail, "empty remote")
  })

  it.prop(
    "format is the inverse of parse",
    {
      host: Schema.Literals(["127.0.0.1", "::1", "localhost", "fe80::2", "a.b-c_d"]),
      port: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 65535 })),
      tag: Schema.Literals(["Tcp", "Ssl"])
    },
    ({ host, port, tag }) => {
      const remote: Remote.Remote = { _tag: tag, host, port }
      assert.deepStrictEqual(Effect.runSync(Remote.parse(Remote.format(remote))), remote)
    }
  )
})
