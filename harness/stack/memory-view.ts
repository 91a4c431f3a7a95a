// The drill's "host memory": a bounded stand-in that node-exporter reads as the host's
// /proc/meminfo, so the runbook's own query (node_memory_MemAvailable_bytes /
// node_memory_MemTotal_bytes) can be drilled without exhausting the shared machine.
//
// What stands in for the host's RAM is one service's memory cgroup, as the kernel
// accounts it (read through the Docker stats API every second):
//   MemTotal     = the cgroup's limit
//   MemFree      = limit - usage
//   MemAvailable = limit - (usage - inactive file cache)   (the reclaimable cache counts
//                  as available, as it does in the kernel's MemAvailable)
// The file is bind-mounted over node-exporter's /proc/meminfo (runc allows that path for
// lxcfs-style views). It is rewritten in place with fixed-width numbers, one write at
// offset 0 and no truncation, so a scrape never reads a half-written file.
import { openSync, writeSync, closeSync, writeFileSync } from "node:fs";
import type Docker from "dockerode";

export interface MemorySample {
  limitBytes: number;
  usageBytes: number;
  inactiveFileBytes: number;
}

const kb = (bytes: number) => Math.max(0, Math.floor(bytes / 1024));
const line = (name: string, bytes: number) => `${`${name}:`.padEnd(16)}${String(kb(bytes)).padStart(14)} kB\n`;

/** /proc/meminfo text for a sample; always the same length. */
export function meminfoText(s: MemorySample): string {
  const used = Math.min(s.limitBytes, Math.max(0, s.usageBytes));
  const workingSet = Math.max(0, used - s.inactiveFileBytes);
  return [
    line("MemTotal", s.limitBytes),
    line("MemFree", s.limitBytes - used),
    line("MemAvailable", s.limitBytes - workingSet),
    line("Buffers", 0),
    line("Cached", Math.min(used, s.inactiveFileBytes)),
    line("SwapCached", 0),
    line("SwapTotal", 0),
    line("SwapFree", 0),
  ].join("");
}

interface StatsBody {
  memory_stats?: { usage?: number; limit?: number; stats?: { total_inactive_file?: number; inactive_file?: number } };
}

/** A sample from one Docker stats answer; a stopped container has no usage (its memory was freed). */
export function sampleFromStats(stats: StatsBody, limitBytes: number): MemorySample {
  const m = stats.memory_stats ?? {};
  return { limitBytes, usageBytes: m.usage ?? 0, inactiveFileBytes: m.stats?.total_inactive_file ?? m.stats?.inactive_file ?? 0 };
}

export class MemoryView {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  last?: MemorySample;

  constructor(
    readonly file: string,
    readonly limitBytes: number,
  ) {
    // Before the service runs: all of it available.
    writeFileSync(file, meminfoText({ limitBytes, usageBytes: 0, inactiveFileBytes: 0 }), { mode: 0o644 });
  }

  write(sample: MemorySample): void {
    this.last = sample;
    const fd = openSync(this.file, "r+");
    try {
      writeSync(fd, meminfoText(sample), 0);
    } finally {
      closeSync(fd);
    }
  }

  /** Follow `containerName`'s memory cgroup every second until stop(). */
  follow(docker: Docker, containerName: string): void {
    const tick = async () => {
      if (this.stopped) return;
      try {
        const stats = (await docker.getContainer(containerName).stats({ stream: false, "one-shot": true } as { stream: false })) as StatsBody;
        this.write(sampleFromStats(stats, this.limitBytes));
      } catch {
        // The container is being restarted or removed: keep the last view.
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), 1000);
    };
    void tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
