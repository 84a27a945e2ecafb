/**
 * Bytes appended in order, kept in one buffer that grows by doubling: appending n bytes in any
 * number of pieces copies O(n) bytes in all.
 *
 * @since 0.1.0
 */

/**
 * A growing run of bytes.
 *
 * @example
 * ```ts
 * const bytes = new GrowingBytes(1024)
 * bytes.append(new Uint8Array([0x5b, 0x31]))
 * bytes.appendLatin1("]")
 * bytes.bytes().toString("latin1") // "[1]"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export class GrowingBytes {
  private buffer: Buffer | undefined
  /** How many bytes it holds. */
  length = 0

  /** `minBytes`: the size of the first buffer. */
  constructor(private readonly minBytes: number) {}

  /** Adds a copy of `bytes`. */
  append(bytes: Uint8Array): void {
    this.room(bytes.length).set(bytes, this.length)
    this.length += bytes.length
  }

  /** Adds the one-byte encoding of `text`, whose characters are all below U+0100 (ASCII, say). */
  appendLatin1(text: string): void {
    this.length += this.room(text.length).write(text, this.length, "latin1")
  }

  /** The bytes so far: a view of the buffer, valid until the next append. */
  bytes(): Buffer {
    return this.buffer === undefined ? Buffer.alloc(0) : this.buffer.subarray(0, this.length)
  }

  /** The buffer, with room for `more` bytes after the ones it holds. */
  private room(more: number): Buffer {
    const needed = this.length + more
    if (this.buffer !== undefined && this.buffer.length >= needed) return this.buffer
    const grown = Buffer.allocUnsafeSlow(Math.max(needed * 2, this.minBytes))
    this.buffer?.copy(grown, 0, 0, this.length)
    this.buffer = grown
    return grown
  }
}
