// How socket failures read as TransportErrors: the reason, the words, and the cause kept.
import { assert, describe, it } from "@effect/vitest"
import * as Socket from "effect/socket/Socket"
import { fromSocketError } from "../src/internal/socketErrors.js"

/** An error as Node makes it: a message, an errno or OpenSSL code, and the system call. */
const nodeError = (message: string, code: string, syscall?: string) =>
  Object.assign(new Error(message), { code, ...(syscall === undefined ? {} : { syscall }) })

const read = (cause: unknown) => new Socket.SocketError({ reason: new Socket.SocketReadError({ cause }) })
const open = (cause: unknown) =>
  new Socket.SocketError({ reason: new Socket.SocketOpenError({ kind: "Unknown", cause }) })

describe("fromSocketError", () => {
  it("a failed write that Node reports on the read side is Write, not Read", () => {
    const epipe = nodeError("write EPIPE", "EPIPE", "write")
    const error = fromSocketError("unix:/db.sock", false, read(epipe))
    assert.strictEqual(error?.reason, "Write")
    assert.strictEqual(error?.detail, "write EPIPE")
    assert.strictEqual(error?.cause, epipe)
  })

  it("a failed read stays Read, with its cause", () => {
    const reset = nodeError("read ECONNRESET", "ECONNRESET", "read")
    const error = fromSocketError("tcp:127.0.0.1:6641", false, read(reset))
    assert.strictEqual(error?.reason, "Read")
    assert.strictEqual(error?.cause, reset)
  })

  it("the server's TLS alert is named, whether at connect or on a later read", () => {
    const alert = nodeError(
      "80CC100CDB7F0000:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:" +
        "../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 48\n",
      "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA"
    )
    for (const failure of [open(alert), read(alert)]) {
      const error = fromSocketError("ssl:127.0.0.1:6641", true, failure)
      assert.strictEqual(error?.reason, "Tls")
      assert.strictEqual(error?.detail, "the server refused the connection with TLS alert \"unknown ca\"")
      assert.strictEqual(error?.cause, alert)
    }
  })

  it("a server certificate we do not trust says so", () => {
    const untrusted = nodeError("self-signed certificate in certificate chain", "SELF_SIGNED_CERT_IN_CHAIN")
    const error = fromSocketError("ssl:127.0.0.1:6641", true, open(untrusted))
    assert.strictEqual(error?.reason, "Tls")
    assert.strictEqual(
      error?.detail,
      "the server's certificate is not trusted: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)"
    )
  })

  it("a system error on a TLS connection is not a TLS failure", () => {
    const refused = nodeError("connect ECONNREFUSED 127.0.0.1:6641", "ECONNREFUSED", "connect")
    assert.strictEqual(fromSocketError("ssl:127.0.0.1:6641", true, open(refused))?.reason, "Connect")
  })

  it("a clean end of stream is no failure", () => {
    const eof = new Socket.SocketError({ reason: new Socket.SocketCloseError({ code: 1000 }) })
    assert.isUndefined(fromSocketError("unix:/db.sock", false, eof))
  })
})
