// OVS remote syntax: every accepted form, every rejected one, lists, and format as parse's inverse.
import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Effect, Exit, Schema } from "effect"
import * as Remote from "../src/Remote.js"

const parsed = (input: string) => Effect.runSyncExit(Remote.parse(input))
const parseError = (input: string) => Effect.runSync(Effect.flip(Remote.parse(input)))
const parsedList = (input: string) => Effect.runSyncExit(Remote.parseList(input))
const listError = (input: string) => Effect.runSync(Effect.flip(Remote.parseList(input)))

const tcp = (host: string, port: number): Remote.Remote => ({ _tag: "Tcp", host, port })
const ssl = (host: string, port: number): Remote.Remote => ({ _tag: "Ssl", host, port })
const unix = (path: string): Remote.Remote => ({ _tag: "Unix", path })

describe("Remote.parse", () => {
  const accepted: ReadonlyArray<readonly [string, Remote.Remote]> = [
    ["unix:/var/run/openvswitch/db.sock", unix("/var/run/openvswitch/db.sock")],
    ["unix:relative.sock", unix("relative.sock")],
    ["unix:/tmp/a,b c.sock", unix("/tmp/a,b c.sock")],
    ["tcp:127.0.0.1:6641", tcp("127.0.0.1", 6641)],
    ["tcp:127.0.0.1", tcp("127.0.0.1", 6640)],
    ["tcp:localhost", tcp("localhost", 6640)],
    ["tcp:ovsdb.example.com:1", tcp("ovsdb.example.com", 1)],
    ["tcp:node_1-a.example:65535", tcp("node_1-a.example", 65535)],
    ["tcp:127.0.0.1:06641", tcp("127.0.0.1", 6641)],
    ["ssl:10.0.0.1:65535", ssl("10.0.0.1", 65535)],
    ["ssl:ovsdb", ssl("ovsdb", 6640)],
    ["tcp:[::1]:6640", tcp("::1", 6640)],
    ["tcp:[::1]", tcp("::1", 6640)],
    ["tcp:[::]:6641", tcp("::", 6641)],
    ["tcp:[2001:db8::]:1", tcp("2001:db8::", 1)],
    ["tcp:[1:2:3:4:5:6:7:8]", tcp("1:2:3:4:5:6:7:8", 6640)],
    ["tcp:[FE80:0:0:0:0:0:0:AB]", tcp("FE80:0:0:0:0:0:0:AB", 6640)],
    ["tcp:[::ffff:127.0.0.1]:16641", tcp("::ffff:127.0.0.1", 16641)],
    ["ssl:[fe80::1234%eth0]:6653", ssl("fe80::1234%eth0", 6653)],
    ["tcp:[127.0.0.1]:6641", tcp("127.0.0.1", 6641)],
    ["tcp:[localhost]", tcp("localhost", 6640)]
  ]
  for (const [input, remote] of accepted) {
    it(`parses ${input}`, () => assert.deepStrictEqual(parsed(input), Exit.succeed(remote)))
  }

  const rejected: ReadonlyArray<readonly [string, string]> = [
    ["", "empty remote"],
    ["db.sock", "no connection method"],
    ["punix:/tmp/db.sock", "punix: is a passive (listening) method"],
    ["ptcp:6640", "passive"],
    ["pssl:6640:127.0.0.1", "passive"],
    ["http://example.com", "unknown connection method \"http\""],
    ["TCP:127.0.0.1:6640", "unknown connection method \"TCP\""],
    [" tcp:127.0.0.1:6640", "unknown connection method \" tcp\""],
    ["cid:7b0b9a1e-34a4-4b5b-8f0a-6c9b1d1e2f3a", "not supported"],
    ["unix:", "missing socket path"],
    ["unix:/tmp/a\u0000b", "NUL"],
    ["tcp:", "missing host"],
    ["ssl:", "missing host"],
    ["tcp::6640", "missing host"],
    ["tcp:[]:6640", "missing host"],
    ["tcp:127.0.0.1:", "missing port"],
    ["tcp:[::1]:", "missing port"],
    ["tcp:host:0", "port 0 is out of range 1-65535"],
    ["tcp:host:65536", "port 65536 is out of range 1-65535"],
    ["tcp:host:99999999999999999999", "out of range"],
    ["tcp:host:port", "port \"port\" is not a decimal number"],
    ["tcp:host:-1", "not a decimal number"],
    ["tcp:host:+6640", "not a decimal number"],
    ["tcp:host: 6640", "not a decimal number"],
    ["tcp:host:6640 ", "not a decimal number"],
    ["tcp:host:0x1940", "not a decimal number"],
    ["tcp:[::1]:6640:5", "not a decimal number"],
    ["tcp:[::1", "unbalanced \"[\""],
    ["tcp:::1]:6640", "unbalanced brackets"],
    ["tcp:a[b]:1", "unbalanced brackets"],
    ["tcp:[::1]x", "unexpected \"x\" after the bracketed address"],
    ["tcp:[::1]]:1", "unexpected \"]:1\""],
    ["tcp:127.0.0.1:6640:5", "too many \":\""],
    ["tcp:::1", "an IPv6 address goes in brackets"],
    ["tcp:fe80::1:6640", "an IPv6 address goes in brackets"],
    ["tcp:[::1::2]:6640", "\"::1::2\" is not an IPv6 address"],
    ["tcp:[1:2:3:4:5:6:7:8:9]", "not an IPv6 address"],
    ["tcp:[1:2:3:4:5:6:7]", "not an IPv6 address"],
    ["tcp:[1:2:3:4::5:6:7:8]", "not an IPv6 address"],
    ["tcp:[12345::]", "not an IPv6 address"],
    ["tcp:[::g]", "not an IPv6 address"],
    ["tcp:[::1.2.3]", "not an IPv6 address"],
    ["tcp:[fe80::1%]", "not an IPv6 address"],
    ["tcp:[fe80::1%a b]", "not an IPv6 address"],
    ["tcp:300.1.1.1:6640", "\"300.1.1.1\" is not an IPv4 address"],
    ["tcp:1.2.3:6640", "not an IPv4 address"],
    ["tcp:01.2.3.4", "not an IPv4 address"],
    ["tcp:ho st:1", "\"ho st\" is not a host name or IP address"],
    ["tcp:-host:1", "not a host name"],
    ["tcp:a..b:1", "not a host name"],
    ["tcp:host.:1", "not a host name"],
    ["tcp:host/x:1", "not a host name"],
    [`tcp:${"a".repeat(64)}:1`, "not a host name"],
    ["tcp:h:1,tcp:h:2", "a comma separates remotes only in a list"]
  ]
  for (const [input, detail] of rejected) {
    it(`rejects ${JSON.stringify(input)}: ${detail}`, () => {
      const error = parseError(input)
      assert.strictEqual(error._tag, "RemoteParseError")
      assert.strictEqual(error.input, input)
      assert.include(error.detail, detail)
      assert.include(error.message, JSON.stringify(input))
    })
  }
})

describe("Remote.parseList", () => {
  it("reads remotes separated by commas and optional blanks", () => {
    assert.deepStrictEqual(
      parsedList("tcp:10.0.0.1:6641, tcp:10.0.0.2:6641,\tunix:/x"),
      Exit.succeed([tcp("10.0.0.1", 6641), tcp("10.0.0.2", 6641), unix("/x")])
    )
    assert.deepStrictEqual(parsedList("  ssl:[::1]"), Exit.succeed([ssl("::1", 6640)]))
  })

  it("splits only where a method follows the comma, as Open vSwitch does", () => {
    assert.deepStrictEqual(
      parsedList("unix:/run/a,b.sock,tcp:h:1"),
      Exit.succeed([unix("/run/a,b.sock"), tcp("h", 1)])
    )
    // No method after the comma: the comma belongs to the remote, which then fails as a whole.
    assert.strictEqual(listError("tcp:a:1,TCP:b:2").input, "tcp:a:1,TCP:b:2")
    assert.include(listError("tcp:a:1,").detail, "unexpected \",\"")
    assert.include(listError("unix:/x,tcp:a:1 ,tcp:b:2").detail, "port \"1 \" is not a decimal number")
  })

  it("names the first remote that does not parse", () => {
    const error = listError("tcp:a:1,bogus:2,also:bad")
    assert.strictEqual(error.input, "bogus:2")
    assert.include(error.detail, "unknown connection method \"bogus\"")
    assert.include(listError("tcp:a:1, cid:7b0b9a1e-34a4-4b5b-8f0a-6c9b1d1e2f3a").detail, "cid:UUID")
  })

  it("rejects an empty list", () => {
    for (const input of ["", "  ", "\t"]) {
      const error = listError(input)
      assert.strictEqual(error.input, input)
      assert.strictEqual(error.detail, "empty remote list")
    }
  })
})

describe("Remote.format", () => {
  it("writes the port always and brackets around IPv6 addresses", () => {
    assert.strictEqual(Remote.format(unix("/run/db.sock")), "unix:/run/db.sock")
    assert.strictEqual(Remote.format(tcp("127.0.0.1", 6640)), "tcp:127.0.0.1:6640")
    assert.strictEqual(Remote.format(tcp("::1", 6641)), "tcp:[::1]:6641")
    assert.strictEqual(Remote.format(ssl("fe80::1%eth0", 6653)), "ssl:[fe80::1%eth0]:6653")
  })
})

describe("Remote schema", () => {
  it("decodes valid remotes and rejects what parse rejects", () => {
    const decode = Schema.decodeUnknownExit(Remote.Remote)
    assert.deepStrictEqual(decode(tcp("::1", 6640)), Exit.succeed(tcp("::1", 6640)))
    assert.deepStrictEqual(decode(unix("/x")), Exit.succeed(unix("/x")))
    for (const bad of [tcp("ho st", 1), tcp("::1::2", 1), ssl("h", 0), ssl("h", 1.5), unix(""), { _tag: "Udp" }]) {
      assert.isTrue(Exit.isFailure(decode(bad)), JSON.stringify(bad))
    }
  })
})

// --- properties ---

const int = (minimum: number, maximum: number) =>
  Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum, maximum })))

const label = Arbitrary.schema(Schema.String.check(Schema.isPattern(/^[a-z0-9_]([a-z0-9_-]{0,12}[a-z0-9_])?$/)))

const hostName = Arbitrary.array(label, { minLength: 1, maxLength: 4 }).pipe(
  Arbitrary.filter((labels) => !labels.every((l) => /^\d+$/.test(l))),
  Arbitrary.map((labels) => labels.join("."))
)

const ipv4 = Arbitrary.array(int(0, 255), { minLength: 4, maxLength: 4 }).pipe(
  Arbitrary.map((octets) => octets.join("."))
)

/** Eight groups, with an optional run of them written as `::` and an optional zone. */
const ipv6 = Arbitrary.all({
  groups: Arbitrary.array(int(0, 0xffff), { minLength: 8, maxLength: 8 }),
  from: int(0, 8),
  length: int(0, 8),
  zone: Arbitrary.schema(Schema.Literals(["", "%eth0", "%1", "%br-int.10"]))
}).pipe(Arbitrary.map(({ from, groups, length, zone }) => {
  const hex = groups.map((group) => group.toString(16))
  const run = Math.min(length, 8 - from)
  const address = run === 0
    ? hex.join(":")
    : `${hex.slice(0, from).join(":")}::${hex.slice(from + run).join(":")}`
  return address + zone
}))

const host = Arbitrary.flatMap(
  int(0, 2),
  (kind) => kind === 0 ? hostName : kind === 1 ? ipv4 : ipv6
)

const path = Arbitrary.schema(Schema.String.check(Schema.isMinLength(1))).pipe(
  Arbitrary.filter((p) => !p.includes("\u0000"))
)

const remote = Arbitrary.flatMap(int(0, 2), (kind): Arbitrary.Arbitrary<Remote.Remote> =>
  kind === 0
    ? Arbitrary.map(path, unix)
    : Arbitrary.map(
      Arbitrary.all({ host, port: int(1, 65535) }),
      ({ host, port }) => kind === 1 ? tcp(host, port) : ssl(host, port)
    ))

/** Strings built from the pieces of remote syntax, right and wrong. */
const remoteLike = Arbitrary.array(
  Arbitrary.schema(Schema.Literals([
    "tcp:",
    "ssl:",
    "unix:",
    "ptcp:",
    "cid:",
    "[",
    "]",
    ":",
    "::1",
    "fe80::",
    "%eth0",
    "127.0.0.1",
    "300",
    "host",
    ".",
    "-",
    ",",
    " ",
    "6640",
    "0",
    "65536",
    "/run/db.sock"
  ])),
  { minLength: 1, maxLength: 8 }
).pipe(Arbitrary.map((pieces) => pieces.join("")))

describe("Remote properties", () => {
  it.prop("parse reads back what format writes", { remote }, ({ remote }) => {
    assert.deepStrictEqual(parsed(Remote.format(remote)), Exit.succeed(remote))
    assert.isTrue(Schema.is(Remote.Remote)(remote))
  })

  it.prop("any input either parses to a valid remote that round-trips, or fails naming it", {
    input: remoteLike
  }, ({ input }) => {
    const exit = parsed(input)
    if (Exit.isSuccess(exit)) {
      assert.isTrue(Schema.is(Remote.Remote)(exit.value))
      assert.deepStrictEqual(parsed(Remote.format(exit.value)), exit)
    } else {
      const error = parseError(input)
      assert.strictEqual(error.input, input)
      assert.isAbove(error.detail.length, 0)
    }
  })

  it.prop(
    "parseList reads back a list of formatted remotes",
    {
      remotes: Arbitrary.array(remote, { minLength: 1, maxLength: 4 }),
      separator: Arbitrary.schema(Schema.Literals([",", ", ", ",\t"]))
    },
    ({ remotes, separator }) => {
      // A unix path that itself holds a comma, blanks and a method would read as two remotes.
      const listable = remotes.filter((r) => r._tag !== "Unix" || !/,[ \t]*[a-z]+:/.test(r.path))
      if (listable.length === 0) return
      assert.deepStrictEqual(
        [...Effect.runSync(Remote.parseList(listable.map(Remote.format).join(separator)))],
        listable
      )
    }
  )
})
