/**
 * The text of a value that spans reads (a row of a frame that `SplitFrame` parses as it comes),
 * decoded a read at a time: strings are kept, not a growing copy of the bytes, and the value's text
 * is their join.
 *
 * UTF-8 (RFC 3629, as RFC 7159 §8.1 requires of JSON) is checked piece by piece; a character split
 * between reads is carried to the next piece whole.
 *
 * @since 0.1.0
 */
import { isAscii, isUtf8 } from "node:buffer"

/**
 * The text of `bytes`, or `undefined` when they are not UTF-8. ASCII, OVSDB's usual text, takes the
 * faster one-byte decoding; validating first keeps Buffer's decoder from replacing bad bytes silently.
 *
 * @example
 * ```ts
 * decode(new Uint8Array([0x68, 0xc3, 0xa9])) // "hé"
 * decode(new Uint8Array([0xff]))             // undefined
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (bytes: Uint8Array): string | undefined => {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  if (isAscii(buffer)) return buffer.toString("latin1")
  return isUtf8(buffer) ? buffer.toString("utf8") : undefined
}

/** How many bytes a UTF-8 sequence has, from its first byte (1 for ASCII and for bytes no sequence starts with). */
const sequenceLength = (lead: number): number => lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1

/**
 * The length of the longest prefix of `bytes` that does not end inside a character: a read ending
 * in the first bytes of a multi-byte character leaves them for the next read.
 */
const completePrefix = (bytes: Uint8Array): number => {
  const n = bytes.length
  for (let back = 1; back <= Math.min(3, n); back++) {
    const byte = bytes[n - back]!
    // Not a continuation byte (10xxxxxx): the last character starts here.
    if ((byte & 0xc0) !== 0x80) return sequenceLength(byte) > back ? n - back : n
  }
  return n
}

/**
 * A value's text, a read at a time.
 *
 * @example
 * ```ts
 * const text = new PendingText()
 * text.append(new Uint8Array([0x5b, 0x22, 0xc3])) // true: "é" is split, its first byte carried
 * text.append(new Uint8Array([0xa9, 0x22, 0x5d])) // true
 * text.finish()                                   // '["é"]'
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export class PendingText {
  private readonly pieces: Array<string> = []
  /** The first bytes of a character that the last read split. */
  private carry: Uint8Array | undefined

  /** Decodes the next bytes of the value; `false` when they are not UTF-8. */
  append(bytes: Uint8Array): boolean {
    let next = bytes
    if (this.carry !== undefined) {
      next = Buffer.concat([this.carry, bytes])
      this.carry = undefined
    }
    const complete = completePrefix(next)
    if (complete < next.length) this.carry = Uint8Array.from(next.subarray(complete))
    const text = decode(next.subarray(0, complete))
    if (text === undefined) return false
    this.pieces.push(text)
    return true
  }

  /** The whole text; `undefined` when it ends inside a character. */
  finish(): string | undefined {
    return this.carry === undefined ? this.pieces.join("") : undefined
  }
}
