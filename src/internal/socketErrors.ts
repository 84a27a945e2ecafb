/**
 * How a socket's failure reads as a `TransportError`: which `reason` (a TLS refusal is `Tls` with the
 * server's alert, a failed write is `Write` even when Node reports it on the read side), the words of
 * `detail`, and the original error kept as `cause`.
 */
import type * as Socket from "effect/socket/Socket"
import type { TransportFailure } from "../Errors.js"
import { TransportError } from "../Errors.js"

/**
 * Whether a failure on a TLS connection came from TLS itself: system errors carry an errno code
 * (`ECONNREFUSED`, `ECONNRESET`, …); handshake and certificate failures carry OpenSSL's
 * (`ERR_SSL_…`, `DEPTH_ZERO_SELF_SIGNED_CERT`, …).
 */
const isTlsFailure = (tls: boolean, cause: unknown): boolean => {
  if (!tls) return false
  const code = cause instanceof Error ? Reflect.get(cause, "code") : undefined
  return typeof code !== "string" || !/^E[A-Z]+$/.test(code)
}

/** The message of an error, or the text of anything else. */
export const describe = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

/**
 * A TLS failure in words: the alert the server sent when it refused our certificate (OpenSSL
 * writes it as `…:tlsv1 alert unknown ca:…` or `…:sslv3 alert certificate expired:…`), or why
 * we refused the server's.
 */
const describeTls = (cause: unknown): string => {
  const text = describe(cause)
  const alert = /\balert ([a-z][a-z ]*[a-z])/.exec(text)
  if (alert !== null) return `the server refused the connection with TLS alert "${alert[1]}"`
  const code = cause instanceof Error ? Reflect.get(cause, "code") : undefined
  return typeof code === "string" && !code.startsWith("ERR_")
    ? `the server's certificate is not trusted: ${text} (${code})`
    : text
}

/** Node reports a failed write (EPIPE, ECONNRESET while writing) as the socket's error, with `syscall: "write"`. */
const isWriteFailure = (cause: unknown): boolean => cause instanceof Error && Reflect.get(cause, "syscall") === "write"

/** Maps a socket failure to a transport failure, keeping the cause; `undefined` for a clean end of stream. */
export const fromSocketError = (
  remote: string,
  tls: boolean,
  error: Socket.SocketError
): TransportError | undefined => {
  const reason = error.reason
  const failure = (kind: TransportFailure, cause: unknown) =>
    new TransportError({
      remote,
      reason: kind,
      detail: kind === "Tls" ? describeTls(cause) : describe(cause),
      cause
    })
  switch (reason._tag) {
    case "SocketOpenError":
      return reason.kind === "Timeout"
        ? new TransportError({ remote, reason: "Timeout", detail: "connection attempt timed out", cause: reason.cause })
        : failure(isTlsFailure(tls, reason.cause) ? "Tls" : "Connect", reason.cause)
    case "SocketCloseError":
      return reason.code === 1000 ? undefined : new TransportError({
        remote,
        reason: "Closed",
        detail: `closed with code ${reason.code}${reason.closeReason ? `: ${reason.closeReason}` : ""}`
      })
    case "SocketReadError":
      return failure(
        isTlsFailure(tls, reason.cause) ? "Tls" : isWriteFailure(reason.cause) ? "Write" : "Read",
        reason.cause
      )
    case "SocketWriteError":
      return failure(isTlsFailure(tls, reason.cause) ? "Tls" : "Write", reason.cause)
    default:
      return failure("Read", error)
  }
}
