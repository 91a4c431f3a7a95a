// Toxic definitions for the Toxiproxy stand-in.
//
// Shopify/toxiproxy runs every toxic as a goroutine ("stub") between two Go channels;
// a connection direction ("link") is a chain of stubs. Here each toxic is a Stage: an
// object that receives chunks (push/end) and forwards them to `next` when the toxic
// allows. Stages can be detached at any moment (toxic removed or updated) and hand back
// whatever they still hold, so toxics can be added, changed and removed on live
// connections without losing or reordering data - which is what the real one does.
import { performance } from "node:perf_hooks";

/** A piece of stream data; `ts` is when it entered the proxy (performance.now() ms). */
export interface Chunk {
  data: Buffer;
  ts: number;
}

export interface Sink {
  push(chunk: Chunk): void;
  /** End of stream: the link closes its destination once this reaches the end of the chain. */
  end(): void;
}

/** What a stage may do beyond forwarding data. Provided by the link that owns it. */
export interface StageContext {
  /** Bytes that will never reach the destination (dropped/truncated); frees backpressure budget. */
  release(bytes: number): void;
  /** Abort both sockets of the connection with a TCP RST. */
  reset(): void;
  random(): number;
}

/** What a detached stage still held: re-fed to its successor/replacement in order. */
export interface Held {
  chunks: Chunk[];
  ended: boolean;
}

const NOTHING: Held = Object.freeze({ chunks: [], ended: false }) as Held;

export type Attributes = Record<string, number>;

/** Per-connection state that must survive a toxic update (only limit_data needs one). */
export interface ToxicState {
  transmitted: number;
}

export abstract class Stage implements Sink {
  next: Sink;
  /** The stage has forwarded end(): anything arriving later is dropped. */
  protected done = false;

  constructor(next: Sink, protected readonly ctx: StageContext) {
    this.next = next;
  }

  abstract push(chunk: Chunk): void;
  abstract end(): void;
  /** Stop timers and return what is held. The stage is dead afterwards. */
  abstract detach(): Held;

  protected finish(): void {
    if (this.done) return;
    this.done = true;
    this.next.end();
  }

  protected drop(chunk: Chunk): void {
    this.ctx.release(chunk.data.length);
  }
}

/** noop, and any toxic whose toxicity roll missed for this connection. */
export class PassStage extends Stage {
  push(chunk: Chunk): void {
    if (this.done) this.drop(chunk);
    else this.next.push(chunk);
  }
  end(): void {
    this.finish();
  }
  detach(): Held {
    this.done = true;
    return NOTHING;
  }
}

/** latency: each chunk leaves `latency ± jitter` ms after it entered the proxy, in order. */
class LatencyStage extends Stage {
  private queue: { chunk: Chunk; due: number }[] = [];
  private lastDue = 0;
  private ended = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(next: Sink, ctx: StageContext, private readonly attrs: Attributes) {
    super(next, ctx);
  }

  private delay(): number {
    const latency = this.attrs.latency ?? 0;
    const jitter = this.attrs.jitter ?? 0;
    // Same distribution as Go's rand.Int63n(2*jitter) - jitter.
    return jitter > 0 ? latency + Math.floor(this.ctx.random() * jitter * 2) - jitter : latency;
  }

  push(chunk: Chunk): void {
    if (this.done) return this.drop(chunk);
    // Measured from arrival, so chunks queued behind a slow one are not delayed twice;
    // max() keeps order when jitter would let a later chunk overtake.
    const due = Math.max(this.lastDue, chunk.ts + this.delay());
    this.lastDue = due;
    this.queue.push({ chunk, due });
    if (!this.timer) this.pump();
  }

  end(): void {
    this.ended = true;
    if (!this.timer) this.pump();
  }

  private pump = (): void => {
    this.timer = undefined;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.due <= now) {
      const { chunk, due } = this.queue.shift()!;
      // Like Go (Timestamp.Add(sleep)): a later latency toxic adds on top of this one.
      chunk.ts = due;
      this.next.push(chunk);
    }
    const head = this.queue[0];
    // ceil: setTimeout has ms granularity and must never release a chunk early.
    if (head) this.timer = setTimeout(this.pump, Math.ceil(head.due - now));
    else if (this.ended) this.finish();
  };

  detach(): Held {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.done) return NOTHING;
    this.done = true;
    return { chunks: this.queue.map((q) => q.chunk), ended: this.ended };
  }
}

/** timeout: holds all data; after `timeout` ms closes the connection (0 = hold until removed). */
class TimeoutStage extends Stage {
  private held: Chunk[] = [];
  private ended = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(next: Sink, ctx: StageContext, attrs: Attributes) {
    super(next, ctx);
    const timeout = attrs.timeout ?? 0;
    if (timeout > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        for (const c of this.held) this.drop(c);
        this.held = [];
        this.finish();
      }, timeout);
    }
  }

  push(chunk: Chunk): void {
    if (this.done) this.drop(chunk);
    else this.held.push(chunk);
  }

  end(): void {
    // The real toxic does not even read its input, so EOF is held too.
    this.ended = true;
  }

  detach(): Held {
    clearTimeout(this.timer);
    if (this.done) return NOTHING;
    this.done = true;
    return { chunks: this.held, ended: this.ended };
  }
}

/** bandwidth: at most `rate` KB/s (1 KB = 1000 bytes, i.e. rate bytes per ms). */
class BandwidthStage extends Stage {
  private queue: Chunk[] = [];
  private ended = false;
  private timer: NodeJS.Timeout | undefined;
  /** When the link is free to start sending the next piece. */
  private freeAt = 0;
  /** Release time of the piece at the head of the queue, once scheduled. */
  private headDue: number | undefined;

  constructor(next: Sink, ctx: StageContext, private readonly attrs: Attributes) {
    super(next, ctx);
  }

  push(chunk: Chunk): void {
    if (this.done) return this.drop(chunk);
    this.queue.push(chunk);
    if (!this.timer) this.pump();
  }

  end(): void {
    this.ended = true;
    if (!this.timer) this.pump();
  }

  private pump = (): void => {
    this.timer = undefined;
    const rate = this.attrs.rate ?? 0;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (rate <= 0) {
        this.queue.shift();
        this.next.push(head);
        continue;
      }
      // Like Go: big chunks leave in slices of 100 ms worth of data.
      const size = Math.min(head.data.length, rate * 100);
      const now = performance.now();
      this.headDue ??= Math.max(now, this.freeAt) + size / rate;
      if (this.headDue > now) {
        this.timer = setTimeout(this.pump, Math.ceil(this.headDue - now));
        return;
      }
      this.freeAt = this.headDue;
      this.headDue = undefined;
      if (size === head.data.length) {
        this.queue.shift();
        this.next.push(head);
      } else {
        this.next.push({ data: head.data.subarray(0, size), ts: head.ts });
        head.data = head.data.subarray(size);
      }
    }
    if (this.ended) this.finish();
  };

  detach(): Held {
    clearTimeout(this.timer);
    if (this.done) return NOTHING;
    this.done = true;
    return { chunks: this.queue, ended: this.ended };
  }
}

/** slow_close: data passes; the close is delayed by `delay` ms. */
class SlowCloseStage extends Stage {
  private timer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(next: Sink, ctx: StageContext, private readonly attrs: Attributes) {
    super(next, ctx);
  }

  push(chunk: Chunk): void {
    if (this.done || this.closing) this.drop(chunk);
    else this.next.push(chunk);
  }

  end(): void {
    if (this.closing || this.done) return;
    this.closing = true;
    this.timer = setTimeout(() => this.finish(), Math.max(0, this.attrs.delay ?? 0));
  }

  detach(): Held {
    clearTimeout(this.timer);
    if (this.done) return NOTHING;
    this.done = true;
    return { chunks: [], ended: this.closing };
  }
}

/** limit_data: closes the connection once `bytes` bytes went through this direction. */
class LimitDataStage extends Stage {
  constructor(
    next: Sink,
    ctx: StageContext,
    private readonly attrs: Attributes,
    private readonly state: ToxicState,
  ) {
    super(next, ctx);
  }

  push(chunk: Chunk): void {
    if (this.done) return this.drop(chunk);
    const limit = this.attrs.bytes ?? 0;
    const remaining = Math.max(0, limit - this.state.transmitted);
    let data = chunk.data;
    if (data.length > remaining) {
      this.ctx.release(data.length - remaining);
      data = data.subarray(0, remaining);
    }
    if (data.length > 0) {
      this.state.transmitted += data.length;
      this.next.push(data === chunk.data ? chunk : { data, ts: chunk.ts });
    }
    if (limit - this.state.transmitted <= 0) this.finish();
  }

  end(): void {
    this.finish();
  }

  detach(): Held {
    this.done = true;
    return NOTHING;
  }
}

/** reset_peer: on the first data (or EOF), waits `timeout` ms then resets the connection. */
class ResetPeerStage extends Stage {
  private timer: NodeJS.Timeout | undefined;
  private triggered = false;
  private ended = false;

  constructor(next: Sink, ctx: StageContext, private readonly attrs: Attributes) {
    super(next, ctx);
  }

  push(chunk: Chunk): void {
    this.drop(chunk); // the RST discards it anyway
    this.trigger();
  }

  end(): void {
    this.ended = true;
    this.trigger();
  }

  private trigger(): void {
    if (this.triggered || this.done) return;
    this.triggered = true;
    this.timer = setTimeout(() => this.ctx.reset(), Math.max(0, this.attrs.timeout ?? 0));
  }

  detach(): Held {
    // Deviation: the real toxic cannot be interrupted while it waits; removing it here
    // cancels a pending reset (the data it swallowed stays dropped).
    clearTimeout(this.timer);
    if (this.done) return NOTHING;
    this.done = true;
    return { chunks: [], ended: this.ended };
  }
}

/** slicer: splits chunks into ~average_size pieces, `delay` microseconds apart. */
class SlicerStage extends Stage {
  private queue: Chunk[] = [];
  private ended = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(next: Sink, ctx: StageContext, private readonly attrs: Attributes) {
    super(next, ctx);
  }

  /** Offsets splitting [start, end) roughly in halves until pieces are ~average_size. */
  private cut(start: number, end: number, out: number[]): void {
    const average = Math.max(1, this.attrs.average_size ?? 0); // 0 would recurse forever
    const variation = Math.max(0, this.attrs.size_variation ?? 0);
    if (end - start - average <= variation || end - start < 2) {
      out.push(end);
      return;
    }
    let mid = start + Math.floor((end - start) / 2);
    if (variation > 0) mid += Math.floor(this.ctx.random() * variation * 2) - variation;
    mid = Math.min(end - 1, Math.max(start + 1, mid));
    this.cut(start, mid, out);
    this.cut(mid, end, out);
  }

  push(chunk: Chunk): void {
    if (this.done) return this.drop(chunk);
    const cuts: number[] = [];
    this.cut(0, chunk.data.length, cuts);
    let from = 0;
    for (const to of cuts) {
      this.queue.push({ data: chunk.data.subarray(from, to), ts: chunk.ts });
      from = to;
    }
    if (!this.timer) this.pump();
  }

  end(): void {
    this.ended = true;
    if (!this.timer) this.pump();
  }

  private pump = (): void => {
    this.timer = undefined;
    const delayMs = Math.max(0, this.attrs.delay ?? 0) / 1000;
    while (this.queue.length > 0) {
      this.next.push(this.queue.shift()!);
      if (delayMs > 0) {
        this.timer = setTimeout(this.pump, delayMs);
        return;
      }
    }
    if (this.ended) this.finish();
  };

  detach(): Held {
    clearTimeout(this.timer);
    if (this.done) return NOTHING;
    this.done = true;
    return { chunks: this.queue, ended: this.ended };
  }
}

export interface ToxicType {
  /** Attribute names with their defaults (all int64/int in Go, so 0). */
  attributes: readonly string[];
  create(next: Sink, ctx: StageContext, attrs: Attributes, state: ToxicState): Stage;
}

/** The TCP toxics of Shopify/toxiproxy v2 (the HTTP-only ones of forks are not included). */
export const TOXIC_TYPES: Readonly<Record<string, ToxicType>> = {
  noop: { attributes: [], create: (n, c) => new PassStage(n, c) },
  latency: { attributes: ["latency", "jitter"], create: (n, c, a) => new LatencyStage(n, c, a) },
  bandwidth: { attributes: ["rate"], create: (n, c, a) => new BandwidthStage(n, c, a) },
  slow_close: { attributes: ["delay"], create: (n, c, a) => new SlowCloseStage(n, c, a) },
  timeout: { attributes: ["timeout"], create: (n, c, a) => new TimeoutStage(n, c, a) },
  slicer: {
    attributes: ["average_size", "size_variation", "delay"],
    create: (n, c, a) => new SlicerStage(n, c, a),
  },
  limit_data: { attributes: ["bytes"], create: (n, c, a, s) => new LimitDataStage(n, c, a, s) },
  reset_peer: { attributes: ["timeout"], create: (n, c, a) => new ResetPeerStage(n, c, a) },
};

export function isToxicType(type: string): boolean {
  return Object.prototype.hasOwnProperty.call(TOXIC_TYPES, type);
}
