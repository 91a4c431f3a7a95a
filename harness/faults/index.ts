// The fault library: every fault module describes itself (kind, parameters, apply);
// the library is built from that list, so a new fault is one module plus one line here.
import type { Fault, FaultModule } from "./fault.js";
import { containerStopFault, containerKillFault, containerPauseFault, containerOomFault, postgresCorruptFault, postgresChownFault } from "./container.js";
import { volumeFillFault } from "./volume.js";
import { bucketDeleteFault } from "./bucket.js";
import { caddyRouteFault } from "./caddy.js";
import { toxicFault } from "./toxic.js";
import { searchWipeFault } from "./search.js";
import { scrapeBreakFault } from "./scrape.js";
import { sesDenyFault } from "./ses.js";
import { stackKillFault } from "./stack-kill.js";
import { prometheusConfigFault } from "./prometheus-config.js";
import { portBlockFault } from "./port-block.js";
import { memoryLeakFault } from "./memory-leak.js";
import { poolExhaustFault } from "./pool-exhaust.js";
import { sshKeyModeFault } from "./ssh-key.js";
import { promtailConfigFault } from "./promtail-config.js";
import { serviceEnvFault } from "./service-env.js";
import { slowQueryFault } from "./slow-query.js";
import { combined } from "./combined.js";

const modules: readonly FaultModule[] = [
  containerStopFault,
  containerKillFault,
  containerPauseFault,
  containerOomFault,
  postgresCorruptFault,
  postgresChownFault,
  volumeFillFault,
  bucketDeleteFault,
  caddyRouteFault,
  toxicFault,
  searchWipeFault,
  scrapeBreakFault,
  sesDenyFault,
  stackKillFault,
  prometheusConfigFault,
  portBlockFault,
  memoryLeakFault,
  poolExhaustFault,
  sshKeyModeFault,
  promtailConfigFault,
  serviceEnvFault,
  slowQueryFault,
];

/** By kind. `combined` applies several of the others in order (reverted in reverse). */
export const faultModules: Readonly<Record<string, FaultModule>> = (() => {
  const byKind: Record<string, FaultModule> = {};
  for (const m of modules) {
    if (byKind[m.kind]) throw new Error(`two fault modules declare kind "${m.kind}"`);
    byKind[m.kind] = m;
  }
  const library = Object.fromEntries(modules.map((m) => [m.kind, m.apply]));
  byKind.combined = {
    kind: "combined",
    parameters: { of: { type: "fault-list", required: true, about: "the faults applied together, in order" } },
    apply: combined(library),
  };
  return byKind;
})();

/** Each kind's apply, as the drill runner calls it. */
export const faults: Readonly<Record<string, Fault>> = Object.fromEntries(Object.values(faultModules).map((m) => [m.kind, m.apply]));

export type { AppliedFault, Fault, FaultContext, FaultModule } from "./fault.js";
