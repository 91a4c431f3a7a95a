// A drill ended by a signal still leaves evidence: the journal as it stood when the
// signal came, with status `interrupted`, the phase it was in, and how the teardown the
// signal triggered went. The recorder follows the drill's events; the teardown guard
// calls it at the signal (snapshot) and after its teardown (write).
import type Docker from "dockerode";
import type { DrillEvent, Reporter } from "./events.js";
import type { Journal } from "./journal.js";
import { onInterrupt, type InterruptTeardown } from "../stack/teardown-guard.js";
import { listDrillResources } from "../stack/leftovers.js";

/** Every secret value replaced, for a journal the drill's own redaction never reached. */
function redactValues(journal: Journal, secrets: readonly string[]): Journal {
  let text = JSON.stringify(journal);
  for (const s of secrets.filter((x) => x.length >= 4)) text = text.split(JSON.stringify(s).slice(1, -1)).join("[REDACTED]");
  return JSON.parse(text) as Journal;
}

export class InterruptionRecorder implements Reporter {
  private journal?: Journal;
  private secrets: readonly string[] = [];
  /** True once a signal caught a drill in progress: its evidence is this recorder's to write. */
  recorded = false;

  onEvent(e: DrillEvent): void {
    if (e.type === "drill-begin") this.journal = e.journal;
    // A finished drill is the normal path's to report.
    if (e.type === "drill-end") this.journal = undefined;
  }

  /** The drill's generated secret values (RunDrillOptions.onSecrets). */
  setSecrets(values: readonly string[]): void {
    this.secrets = values;
  }

  /** The journal now, marked interrupted in the phase that is running; undefined when no drill runs. */
  snapshot(signal: string, at = new Date()): Journal | undefined {
    if (!this.journal) return undefined;
    this.recorded = true;
    const j = structuredClone(this.journal);
    const running = j.phases.find((p) => p.endedAt === undefined);
    const last = j.phases[j.phases.length - 1];
    if (running) {
      running.endedAt = at.toISOString();
      running.status = "failed";
      running.detail = `interrupted by ${signal}${running.detail ? ` (${running.detail})` : ""}`;
    }
    j.status = "interrupted";
    j.reason = `interrupted by ${signal} ${running ? `during ${running.name}` : last ? `after ${last.name}` : "before the first phase"}`;
    j.interrupted = { signal, at: at.toISOString(), phase: (running ?? last)?.name, betweenPhases: running ? undefined : true };
    return redactValues(j, this.secrets);
  }

  /** Add the teardown the signal triggered, checked against the engine (what is left of each project). */
  async finish(j: Journal, done: InterruptTeardown, docker: Docker): Promise<Journal> {
    const left = (await Promise.all(done.projects.map((p) => listDrillResources(docker, p).catch(() => [])))).flat();
    const names = left.flatMap((r) => [
      ...r.containers.map((name) => ({ kind: "container", name, reason: "still present after the interrupt's teardown" })),
      ...r.networks.map((name) => ({ kind: "network", name, reason: "still present after the interrupt's teardown" })),
      ...r.volumes.map((name) => ({ kind: "volume", name, reason: "still present after the interrupt's teardown" })),
    ]);
    const startedAt = j.interrupted?.at ?? new Date().toISOString();
    j.phases.push({
      name: "teardown",
      startedAt,
      endedAt: new Date().toISOString(),
      status: names.length ? "failed" : done.projects.length ? "passed" : "skipped",
      detail: done.projects.length
        ? `on ${done.signal}: removed ${done.projects.join(", ")} in ${done.seconds.toFixed(1)} s; ${names.length} resources left behind`
        : "nothing was started",
    });
    j.teardown = { seconds: done.seconds, leftBehind: names.length, left: names.length ? names : undefined };
    j.endedAt = new Date().toISOString();
    return j;
  }

  /** Record the drill on a signal: `write` gets the finished journal before the process exits. */
  install(docker: () => Docker, write: (j: Journal) => void): () => void {
    return onInterrupt((signal) => {
      const j = this.snapshot(signal);
      if (!j) return undefined;
      return async (done) => write(await this.finish(j, done, docker()));
    });
  }
}
