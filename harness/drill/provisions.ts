// Where the drill differs from production, declared in one place. Each provision is
// something the drill gives that the production host does not (an mc alias written by
// a stand-in, credentials in the operator's shell, shorter alert timing, a stand-in for
// an upstream image, a scope guard under `docker system prune`), what production has
// instead, why the drill gives it, and, from the journal, which steps and phases of this
// run relied on it. A step that passed only because of a provision did not prove the
// runbook works on the host; the report says so beside the step.
import type { Journal, Provision, StepRecord } from "./journal.js";

interface ProvisionRule {
  id: string;
  provision: string;
  production: string;
  why: string;
  /** Does the drill give it in this run? */
  given(j: Journal): boolean;
  /** Steps/phases that relied on it, and on what evidence. */
  reliance(j: Journal): { by: string[]; evidence: string };
}

const ran = (j: Journal): StepRecord[] => j.steps.filter((s) => s.result !== "skipped" && s.command !== undefined);
/** Steps whose command (what actually ran) matches `re`. */
const stepsRunning = (j: Journal, re: RegExp): string[] => ran(j).filter((s) => re.test(stripComments(s.command ?? ""))).map((s) => s.id);
const stripComments = (text: string) => text.split("\n").map((l) => l.replace(/(^|\s)#.*$/, "")).join("\n");
const standIn = (j: Journal, service: string) => j.implementations.some((i) => i.service === service && i.standIn);

const rules: ProvisionRule[] = [
  {
    id: "mc-alias-myminio",
    provision: "the S3 stand-in writes an `mc` alias `myminio` (its own URL and root keys) inside the minio container when it starts",
    production: "the upstream minio/minio image has no `myminio` alias: `docker exec minio mc ls myminio/` fails until someone runs `mc alias set myminio http://localhost:9000 <user> <password>` inside the container, and the runbook has no such step",
    why: "the stand-in mirrors the minio-init job's alias so that the runbook's `mc` commands can run at all in the air-gapped profile",
    given: (j) => standIn(j, "minio"),
    reliance: (j) => ({ by: stepsRunning(j, /\bmyminio\//), evidence: "the step's command names the alias myminio" }),
  },
  {
    id: "aws-credentials",
    provision: "the operator shell has AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY set to the drill's MinIO root keys (and AWS_DEFAULT_REGION=us-east-1)",
    production: "the runbook does not say where the `aws` CLI's credentials come from; on the host they must already be configured (a profile or environment) with keys MinIO accepts, or the command fails with 'Unable to locate credentials' or 'InvalidAccessKeyId'",
    why: "without credentials the runbook's `aws s3 ls --endpoint-url http://localhost:9000` cannot be drilled at all",
    given: () => true,
    reliance: (j) => ({ by: stepsRunning(j, /(^|[\s;&|(])aws\s/m), evidence: "the step runs the aws CLI" }),
  },
  {
    id: "alert-timing",
    provision: "",
    production: "",
    why: "a drill must see the alert fire and resolve within minutes",
    given: (j) => j.timing !== undefined && j.detection.alert !== undefined,
    reliance: (j) => ({ by: j.detection.firedAt ? ["detect", "notify"] : ["detect"], evidence: "time to detect is measured against the drill's timing" }),
  },
  {
    id: "scope-guard",
    provision: "the operator shell's Docker endpoint is the drill's scope guard: production names map onto the drill's containers, and listings and prunes see only the drill's resources; images are shared by all drills, so an image prune deletes none",
    production: "on the host `docker system prune -a --volumes -f` removes every stopped container, unused network, unused volume and image of the whole engine (on Docker before 23.0 named volumes too), including the images of stopped services, which then have to be pulled again",
    why: "a runbook step must never touch anything but the drill (blast radius is enforced)",
    given: () => true,
    reliance: (j) => ({ by: stepsRunning(j, /\bdocker\s+(system|container|volume|network|image)\s+prune\b|\bdocker\s+(rm|rmi|volume\s+rm|network\s+rm)\b|docker-compose\s+down\b/), evidence: "the step removes or prunes Docker resources" }),
  },
  {
    id: "host-disk",
    provision: "the host's root disk is the drill's size-limited tmpfs volume host-disk: node-exporter reports it as mountpoint \"/\", it is the app's log directory (/mnt/logs), and it is /var/log in the operator shell",
    production: "/ is the instance's EBS volume holding /var/log, /var/lib/docker (images, containers, volumes, the json-file logs) and everything else, so Docker's own usage and the journal fill it too",
    why: "a drill fills a disk of its own to a real ENOSPC without touching the machine's",
    given: (j) => j.fault?.kind === "volume-fill" || containsFault(j, "volume-fill") || stepsRunning(j, /\/var\/log|\bdf\b/).length > 0,
    reliance: (j) => ({ by: [...stepsRunning(j, /\/var\/log|\bdf\s/), ...(j.detection.alert === "DiskFull" ? ["detect"] : [])], evidence: "the step reads or cleans /var/log or the disk's usage" }),
  },
];

function containsFault(j: Journal, kind: string): boolean {
  const of = j.fault?.params.of;
  return Array.isArray(of) && of.some((f) => typeof f === "object" && f !== null && (f as { kind?: unknown }).kind === kind);
}

/** The services each integrity check reads through (seed.ts). */
const integrityThrough: Record<string, string[]> = {
  "documents-objects": ["minio"],
  "search-index": ["meilisearch"],
  "search-index-documents": ["meilisearch"],
};

/** What a stand-in's service is called in step text: its name, and its production localhost ports. */
const serviceWords: Record<string, RegExp> = {
  minio: /\bminio\b|\bmc\s|localhost:9000|s3:\/\//,
  meilisearch: /\bmeilisearch\b|localhost:7700/,
  grafana: /\bgrafana\b|localhost:3000/,
  loki: /\bloki\b|localhost:3100/,
  promtail: /\bpromtail\b/,
  toxiproxy: /\btoxiproxy\b/,
  ses: /\bses\b/,
  "alert-sink": /\balert-sink\b/,
};

/** Every provision this run was given, with the steps that relied on it. */
export function provisionsOf(j: Journal): Provision[] {
  const out: Provision[] = [];
  for (const r of rules) {
    if (!r.given(j)) continue;
    const { by, evidence } = r.reliance(j);
    const p: Provision = { id: r.id, provision: r.provision, production: r.production, why: r.why, reliedOnBy: [...new Set(by)], evidence };
    if (r.id === "alert-timing" && j.timing) {
      p.provision = `Prometheus scrapes and evaluates every ${j.timing.scrapeIntervalSeconds} s / ${j.timing.evaluationIntervalSeconds} s and the alert ${j.detection.alert}'s \`for\` is ${j.timing.alertForSeconds} s`;
      p.production = `the production rule waits \`for: ${j.timing.productionAlertFor ?? "(none)"}\` at the intervals of stack/config/prometheus/prometheus.yml, so on-call hears of it later than this drill measured`;
    }
    out.push(p);
  }
  for (const i of j.implementations.filter((x) => x.standIn)) {
    const words = serviceWords[i.service] ?? new RegExp(`\\b${i.service.replace(/[^a-z0-9-]/gi, "")}\\b`);
    // The integrity checks that read through a service, and the checks that name it.
    const integrity = j.integrity.some((c) => (integrityThrough[c.check] ?? []).includes(i.service));
    const recover = j.recovery.checks.some((c) => words.test(c.check) || words.test(c.detail));
    const notify = i.service === "alert-sink" && j.notification?.deliveredAt !== undefined;
    out.push({
      id: `stand-in-${i.service}`,
      provision: `${i.service} is served by a stand-in (${i.note}, image ${i.image})`,
      production: `the upstream image of ${i.service}; the stand-in speaks the same API for what the drill uses, but its errors, metrics and console may differ`,
      why: "no registry is reachable in the air-gapped profile and Debian has no package for it",
      reliedOnBy: [...stepsRunning(j, words), ...(notify ? ["notify"] : []), ...(recover ? ["recover"] : []), ...(integrity ? ["integrity"] : [])],
      evidence: "the step names the service or its port; a recovery check names it; an integrity check reads through it",
    });
  }
  for (const l of j.leftOut) {
    out.push({
      id: `left-out-${l.service}`,
      provision: `${l.service} is not in the drill's stack`,
      production: `${l.service} runs on the host`,
      why: l.reason,
      reliedOnBy: stepsRunning(j, new RegExp(`\\b${l.service.replace(/[^a-z0-9-]/gi, "")}\\b`)),
      evidence: "the step names the service",
    });
  }
  return out;
}
