// The fault library, by the `kind` a scenario names.
import type { Fault } from "./fault.js";
import { containerKill, containerOom, containerPause, containerStop, postgresChown, postgresCorrupt } from "./container.js";
import { volumeFill } from "./volume.js";
import { caddyRoute } from "./caddy.js";
import { searchWipe } from "./search.js";
import { bucketDelete } from "./bucket.js";
import { toxic } from "./toxic.js";
import { scrapeBreak } from "./scrape.js";
import { sesDeny } from "./ses.js";
import { stackKill } from "./stack-kill.js";
import { prometheusConfig } from "./prometheus-config.js";
import { portBlock } from "./port-block.js";
import { memoryLeak } from "./memory-leak.js";
import { slowQuery } from "./slow-query.js";
import { sshKeyMode } from "./ssh-key.js";
import { combined } from "./combined.js";
import { poolExhaust } from "./pool-exhaust.js";
import { promtailConfig } from "./promtail-config.js";
import { serviceEnv } from "./service-env.js";

export const faults: Record<string, Fault> = {
  "container-stop": containerStop,
  "container-kill": containerKill,
  "container-pause": containerPause,
  "container-oom": containerOom,
  "postgres-corrupt": postgresCorrupt,
  "postgres-chown": postgresChown,
  "volume-fill": volumeFill,
  "caddy-route": caddyRoute,
  "search-wipe": searchWipe,
  "bucket-delete": bucketDelete,
  toxic,
  "scrape-break": scrapeBreak,
  "ses-deny": sesDeny,
  "stack-kill": stackKill,
  "prometheus-config": prometheusConfig,
  "port-block": portBlock,
  "memory-leak": memoryLeak,
  "slow-query": slowQuery,
  "ssh-key-mode": sshKeyMode,
  "pool-exhaust": poolExhaust,
  "promtail-config": promtailConfig,
  "service-env": serviceEnv,
};
// Applies several of the above in order (reverted in reverse).
faults.combined = combined(faults);

export type { AppliedFault, Fault, FaultContext } from "./fault.js";
