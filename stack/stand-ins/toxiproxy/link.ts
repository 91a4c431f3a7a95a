// One proxied TCP connection = two Links (upstream: client -> server, downstream:
// server -> client), each a chain of toxic stages ending in a writer to the other socket.
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import {
  PassStage,
  TOXIC_TYPES,
  type Chunk,
  type Held,
  type Sink,
  type Stage,
  type StageContext,
  type ToxicState,
} from "./toxics.js";

export type Direction = "upstream" | "downstream";

/** A toxic as configured through the API (mutable: updates change it in place). */
export interface ToxicRecord {
  name: string;
  type: string;
  /** As the client spelled it (the real server keeps e.g. "UPSTREAM" verbatim). */
  stream: string;
  direction: Direction;
  toxicity: number;
  attributes: Record<string, number>;
}

interface Slot {
  toxic: ToxicRecord;
  stage: Stage;
  state: ToxicState;
}

// Bytes a link may hold (inside toxics + socket write buffer) before it stops reading
// its source. Keeps a bandwidth/timeout toxic from buffering unbounded data in memory:
// the sender gets TCP backpressure instead, as with the real proxy.
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = HIGH_WATER / 2;

class Link {
  private slots: Slot[] = [];
  private buffered = 0;
  /** The writer got end(): the destination is being closed. */
  private closed = false;
  private sourceDone = false;
  private readonly writer: Sink = {
    push: (chunk) => this.write(chunk),
    end: () => this.closeDestination(),
  };
  private readonly ctx: StageContext;

  constructor(
    readonly direction: Direction,
    private readonly source: Socket,
    private readonly dest: Socket,
    toxics: readonly ToxicRecord[],
    conn: { reset(): void },
    private readonly random: () => number,
  ) {
    this.ctx = {
      release: (bytes) => {
        this.buffered -= bytes;
        this.maybeResume();
      },
      reset: () => conn.reset(),
      random,
    };
    for (const toxic of toxics) this.addToxic(toxic);
    source.on("data", this.onData);
    // allowHalfOpen is on, so 'end' is only the peer's FIN; 'close' covers errors/destroy.
    source.on("end", this.onSourceDone);
    source.on("close", this.onSourceDone);
    dest.on("drain", () => this.maybeResume());
  }

  private entry(): Sink {
    return this.slots[0]?.stage ?? this.writer;
  }

  private onData = (data: Buffer): void => {
    this.buffered += data.length;
    this.entry().push({ data, ts: performance.now() });
    if (this.buffered > HIGH_WATER && !this.source.isPaused()) this.source.pause();
  };

  private onSourceDone = (): void => {
    if (this.sourceDone) return;
    this.sourceDone = true;
    this.entry().end();
  };

  private write(chunk: Chunk): void {
    this.buffered -= chunk.data.length;
    if (this.dest.destroyed || this.dest.writableEnded) return;
    if (!this.dest.write(chunk.data)) {
      if (!this.source.isPaused()) this.source.pause();
    } else {
      this.maybeResume();
    }
  }

  private maybeResume(): void {
    if (
      this.source.isPaused() &&
      !this.sourceDone &&
      this.buffered < LOW_WATER &&
      !this.dest.writableNeedDrain
    ) {
      this.source.resume();
    }
  }

  /**
   * Like Go's dest.Close() at the end of a link: the whole destination socket closes
   * (no TCP half-close), after what was already written is flushed. The other link then
   * sees its source close and closes the other socket in turn.
   */
  private closeDestination(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.dest.destroyed) return;
    this.dest.end(() => this.dest.destroy());
  }

  private makeSlot(toxic: ToxicRecord, next: Sink, state: ToxicState): Slot {
    const type = TOXIC_TYPES[toxic.type];
    // toxicity = probability that the toxic acts on this connection (rolled per attach/update).
    const active = type !== undefined && this.random() < toxic.toxicity;
    const stage = active
      ? type.create(next, this.ctx, toxic.attributes, state)
      : new PassStage(next, this.ctx);
    return { toxic, stage, state };
  }

  private feed(sink: Sink, held: Held): void {
    for (const chunk of held.chunks) sink.push(chunk);
    if (held.ended) sink.end();
  }

  /** New toxics go to the end of the chain, on live connections too. */
  addToxic(toxic: ToxicRecord): void {
    if (this.closed) return;
    const slot = this.makeSlot(toxic, this.writer, { transmitted: 0 });
    const last = this.slots[this.slots.length - 1];
    if (last) last.stage.next = slot.stage;
    this.slots.push(slot);
  }

  updateToxic(toxic: ToxicRecord): void {
    const i = this.slots.findIndex((s) => s.toxic === toxic);
    const old = this.slots[i];
    if (!old) return;
    const held = old.stage.detach();
    const slot = this.makeSlot(toxic, old.stage.next, old.state);
    const prev = this.slots[i - 1];
    if (prev) prev.stage.next = slot.stage;
    this.slots[i] = slot;
    this.feed(slot.stage, held);
  }

  /** What the toxic held (e.g. data stalled by `timeout`) continues down the chain. */
  removeToxic(toxic: ToxicRecord): void {
    const i = this.slots.findIndex((s) => s.toxic === toxic);
    const old = this.slots[i];
    if (!old) return;
    const held = old.stage.detach();
    const next = old.stage.next;
    const prev = this.slots[i - 1];
    if (prev) prev.stage.next = next;
    this.slots.splice(i, 1);
    this.feed(next, held);
  }

  /** Connection is gone: stop all toxic timers. */
  dispose(): void {
    this.closed = true;
    for (const slot of this.slots) slot.stage.detach();
    this.slots = [];
  }
}

export class Connection {
  private readonly links: Record<Direction, Link>;
  private openSockets = 2;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    toxics: Record<Direction, readonly ToxicRecord[]>,
    random: () => number,
    private readonly onGone: (conn: Connection) => void,
  ) {
    this.links = {
      upstream: new Link("upstream", client, upstream, toxics.upstream, this, random),
      downstream: new Link("downstream", upstream, client, toxics.downstream, this, random),
    };
    for (const socket of [client, upstream]) {
      socket.on("close", () => {
        if (--this.openSockets === 0) this.gone();
      });
    }
    // Both sockets were created paused so no byte could slip past the toxic chain.
    client.resume();
    upstream.resume();
  }

  link(direction: Direction): Link {
    return this.links[direction];
  }

  /** Normal close, as when a proxy is disabled or deleted. */
  close(): void {
    this.client.destroy();
    this.upstream.destroy();
  }

  /** reset_peer: RST both ends (resetAndDestroy needs Node >= 16.17/18.3). */
  reset(): void {
    for (const socket of [this.client, this.upstream]) {
      if (socket.destroyed) continue;
      if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
      else socket.destroy();
    }
  }

  private gone(): void {
    this.links.upstream.dispose();
    this.links.downstream.dispose();
    this.onGone(this);
  }
}
