// Every fault's parameters, checked when the scenario is loaded (file:line, before any
// container starts). A misspelled parameter used to fall back to its default without a
// word; now a name not on the fault's list is an error naming the closest one.
// Each fault module still checks values it alone understands (a toxic's attributes, a
// uid:gid owner) when it runs; this list is what a scenario may write at all.

export type ParameterType = "string" | "number" | "integer" | "string-list" | "map" | "fault-list";

export interface ParameterSpec {
  type: ParameterType;
  required?: boolean;
  /** What it means, for the error message and the README. */
  about: string;
}

export type ParameterList = Record<string, ParameterSpec>;

const target: ParameterSpec = { type: "string", required: true, about: "the compose service" };

/** By fault kind (harness/faults/index.ts); a kind with no list here cannot be loaded. */
export const faultParameters: Record<string, ParameterList> = {
  "container-stop": { target },
  "container-kill": { target },
  "container-pause": { target },
  "container-oom": { target, memoryMb: { type: "integer", about: "the memory limit set before the allocation (default 64)" } },
  "postgres-corrupt": { file: { type: "string", about: "the file removed from the data directory (default global/pg_control)" } },
  "postgres-chown": { owner: { type: "string", about: "uid:gid given to the data directory (default 70:70)" } },
  "volume-fill": {
    volume: { type: "string", about: "the drill volume filled (default host-disk)" },
    dir: { type: "string", about: "the folder the files go into (default archive)" },
    ageDays: { type: "integer", about: "the files' age in days (default 60)" },
    files: { type: "integer", about: "how many files (default 8)" },
    writer: { type: "string", about: "runaway: the app itself writes until ENOSPC instead of old files" },
    target: { type: "string", about: "the runaway writer's service (default fastapi-app)" },
    file: { type: "string", about: "the file the runaway writer appends to" },
  },
  combined: { of: { type: "fault-list", required: true, about: "the faults applied together, in order" } },
  "bucket-delete": { bucket: { type: "string", about: "the bucket deleted (default pretamane-data)" } },
  "caddy-route": {
    find: { type: "string", required: true, about: "text in the Caddyfile" },
    replace: { type: "string", required: true, about: "what it becomes" },
  },
  toxic: {
    proxy: { type: "string", required: true, about: "the Toxiproxy proxy (a dependency of the app)" },
    type: { type: "string", about: "the toxic's type (default latency)" },
    stream: { type: "string", about: "upstream or downstream (default downstream)" },
    toxicity: { type: "number", about: "the share of connections affected, 0 to 1 (default 1)" },
    attributes: { type: "map", about: "the toxic's attributes" },
  },
  "search-wipe": {
    index: { type: "string", about: "the Meilisearch index (default documents)" },
    what: { type: "string", about: "documents or index (default documents)" },
  },
  "scrape-break": { target },
  "ses-deny": { code: { type: "string", about: "the error SES answers (default AccessDenied)" } },
  "stack-kill": { spare: { type: "string-list", about: "services left running" } },
  "prometheus-config": {
    find: { type: "string", required: true, about: "text in prometheus.yml" },
    replace: { type: "string", required: true, about: "what it becomes" },
  },
  "port-block": { target, port: { type: "integer", required: true, about: "the container port dropped" } },
  "memory-leak": {
    target: { type: "string", about: "the service that leaks (default fastapi-app)" },
    port: { type: "integer", about: "its HTTP port (default 8000)" },
    path: { type: "string", about: "the leak endpoint (default /drill/leak)" },
    mbPerRequest: { type: "integer", about: "MiB kept per call (default 1)" },
    intervalMs: { type: "integer", about: "between calls (default 2000)" },
    maxSeconds: { type: "integer", about: "stop leaking after (default 600)" },
  },
  "pool-exhaust": {
    table: { type: "string", about: "the table the slow statement reads (default documents)" },
    column: { type: "string", about: "its unindexed column (default archived_at)" },
    applicationName: { type: "string", about: "the session's application_name (default psql)" },
    users: { type: "integer", about: "concurrent users (default 12)" },
    path: { type: "string", about: "the API path they call (default /api/documents)" },
    userTimeoutMs: { type: "integer", about: "each user's timeout (default 30000)" },
    saturateSeconds: { type: "integer", about: "how long the pool is held (default 90)" },
  },
  "ssh-key-mode": { mode: { type: "string", about: "the key file's mode, in octal (default 644)" } },
  "promtail-config": {
    find: { type: "string", required: true, about: "text in Promtail's config" },
    replace: { type: "string", required: true, about: "what it becomes" },
  },
  "service-env": {
    service: { type: "string", required: true, about: "the compose service" },
    name: { type: "string", required: true, about: "the environment variable" },
    value: { type: "string", required: true, about: "its new value" },
  },
  "slow-query": {
    table: { type: "string", about: "the table locked (default documents)" },
    seconds: { type: "integer", about: "how long the query runs (default 600)" },
    applicationName: { type: "string", about: "the session's application_name (default nightly-report)" },
  },
};

/** Parameters whose value is a compose service name, by fault kind. */
export const serviceParameters: Record<string, readonly string[]> = {
  "container-stop": ["target"],
  "container-kill": ["target"],
  "container-pause": ["target"],
  "container-oom": ["target"],
  "scrape-break": ["target"],
  "port-block": ["target"],
  "memory-leak": ["target"],
  toxic: ["proxy"],
  "stack-kill": ["spare"],
  "service-env": ["service"],
  "volume-fill": ["target"],
};

/** The edit distance between two short names (for "did you mean"). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** The closest of `known` to `name`, when it is close enough to be a typo. */
export function closest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const scored = known.map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) })).sort((x, y) => x.d - y.d);
  const best = scored[0];
  if (!best) return undefined;
  // A prefix or substring match counts too ("disk" -> "disk-full").
  if (best.d <= Math.max(2, Math.floor(best.k.length / 3))) return best.k;
  return known.find((k) => k.toLowerCase().includes(lower) || lower.includes(k.toLowerCase()));
}

const typeOk: Record<ParameterType, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number" && Number.isFinite(v),
  integer: (v) => typeof v === "number" && Number.isInteger(v),
  "string-list": (v) => Array.isArray(v) && v.every((x) => typeof x === "string"),
  map: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  "fault-list": (v) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "object" && x !== null && typeof (x as { kind?: unknown }).kind === "string"),
};

export interface ParameterProblem {
  /** The parameter at fault, or undefined for the fault as a whole. */
  param?: string;
  message: string;
}

/** What is wrong with a scenario's `fault:` block, one problem per parameter. */
export function checkFaultParameters(fault: { kind: string; [param: string]: unknown }): ParameterProblem[] {
  const list = faultParameters[fault.kind];
  if (!list) return [{ message: `fault kind "${fault.kind}" has no parameter list (harness/faults/parameters.ts)` }];
  const names = Object.keys(list);
  const problems: ParameterProblem[] = [];
  for (const [name, value] of Object.entries(fault)) {
    if (name === "kind") continue;
    const spec = list[name];
    if (!spec) {
      const near = closest(name, names);
      const takes = names.length ? names.join(", ") : "no parameters";
      problems.push({ param: name, message: `fault ${fault.kind} has no parameter "${name}"${near ? ` (did you mean "${near}"?)` : ""}; it takes: ${takes}` });
    } else if (!typeOk[spec.type](value)) {
      problems.push({ param: name, message: `fault ${fault.kind}: parameter "${name}" must be ${spec.type === "map" ? "a mapping" : spec.type === "string-list" ? "a list of strings" : spec.type === "fault-list" ? "a list of faults, each with a kind" : spec.type === "integer" ? "an integer" : `a ${spec.type}`} (${spec.about}), got ${JSON.stringify(value)}` });
    } else if (spec.type === "fault-list") {
      // Each fault of the list is checked as if the scenario named it alone.
      (value as { kind: string }[]).forEach((inner, i) => {
        for (const p of checkFaultParameters(inner)) problems.push({ param: `${name}/${i}${p.param ? `/${p.param}` : ""}`, message: p.message });
      });
    }
  }
  for (const [name, spec] of Object.entries(list)) {
    if (spec.required && fault[name] === undefined) problems.push({ message: `fault ${fault.kind} needs parameter "${name}" (${spec.about})` });
  }
  return problems;
}
