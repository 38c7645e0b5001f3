/**
 * A bounded capture of a command's output that keeps the head and the tail and counts
 * what was cut from the middle.
 *
 * @module
 */

/** Collects bytes up to `limit`: the first half and the most recent half. */
export class HeadTailBuffer {
  #half: number;
  #head: Uint8Array[] = [];
  #headLen = 0;
  #tail: Uint8Array[] = [];
  #tailLen = 0;
  #total = 0;

  /** Keep at most `limit` bytes. */
  constructor(limit: number) {
    this.#half = Math.max(1, Math.floor(limit / 2));
  }

  /** Bytes seen in all. */
  get total(): number {
    return this.#total;
  }

  /** Add a chunk. */
  push(chunk: Uint8Array): void {
    this.#total += chunk.length;
    if (this.#headLen < this.#half) {
      const take = Math.min(chunk.length, this.#half - this.#headLen);
      this.#head.push(chunk.subarray(0, take));
      this.#headLen += take;
      chunk = chunk.subarray(take);
    }
    if (!chunk.length) return;
    this.#tail.push(chunk);
    this.#tailLen += chunk.length;
    while (this.#tailLen - this.#tail[0].length >= this.#half) {
      this.#tailLen -= this.#tail.shift()!.length;
    }
  }

  /** The text kept, with a note where the middle was cut. */
  text(): string {
    const dec = (parts: Uint8Array[]) => {
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let off = 0;
      for (const p of parts) {
        all.set(p, off);
        off += p.length;
      }
      return all;
    };
    let tail = dec(this.#tail);
    const cut = this.#total - this.#headLen - Math.min(tail.length, this.#half);
    if (tail.length > this.#half) tail = tail.subarray(tail.length - this.#half);
    const d = new TextDecoder();
    if (cut <= 0) return d.decode(dec([...this.#head, tail]));
    return `${d.decode(dec(this.#head))}\n\n[… ${cut} bytes of output cut from the middle …]\n\n${
      d.decode(tail)
    }`;
  }
}
