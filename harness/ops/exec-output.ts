// The output of a non-TTY `docker exec`: the engine multiplexes stdout and stderr on
// one stream in frames of [stream id, 0, 0, 0, size (uint32 BE)] + payload.
import type { Readable } from "node:stream";

export interface CapturedOutput {
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/** Collect both streams until the stream ends, keeping at most `limit` bytes of each. */
export class ExecOutput {
  private pending = Buffer.alloc(0);
  private readonly chunks: Record<1 | 2, Buffer[]> = { 1: [], 2: [] };
  private readonly sizes: Record<1 | 2, number> = { 1: 0, 2: 0 };
  private truncated = false;

  private readonly limit: number;
  private readonly onPayload?: (stream: 1 | 2, payload: Buffer) => void;

  constructor(opts: { limit?: number; /** Every payload as it arrives (1 = stdout, 2 = stderr). */ onPayload?: (stream: 1 | 2, payload: Buffer) => void } = {}) {
    this.limit = opts.limit ?? 4 * 1024 * 1024;
    this.onPayload = opts.onPayload;
  }

  attach(stream: Readable): Promise<void> {
    return new Promise((resolve, reject) => {
      stream.on("data", (chunk: Buffer) => this.push(chunk));
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", reject);
    });
  }

  private push(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) return;
      const id = this.pending[0] === 2 ? 2 : 1;
      const payload = this.pending.subarray(8, 8 + size);
      this.onPayload?.(id, payload);
      if (this.sizes[id] + payload.length <= this.limit) {
        this.chunks[id].push(Buffer.from(payload));
        this.sizes[id] += payload.length;
      } else {
        this.truncated = true;
      }
      this.pending = this.pending.subarray(8 + size);
    }
  }

  result(): CapturedOutput {
    const note = this.truncated ? `\n[output truncated at ${this.limit} bytes]\n` : "";
    return {
      stdout: Buffer.concat(this.chunks[1]).toString("utf8") + note,
      stderr: Buffer.concat(this.chunks[2]).toString("utf8"),
      truncated: this.truncated,
    };
  }
}
