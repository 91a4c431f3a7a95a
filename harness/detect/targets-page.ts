// The Detection of a section that says "Visit http://localhost:8080/prometheus/targets;
// targets show DOWN or UNKNOWN": the drill opens that page through Caddy, with the
// basic auth Caddy asks for, and reads each job's state off it as a person would.
//
// Two Prometheus UIs answer that URL differently. The classic UI (Debian's 2.42 has only
// this one, under /classic/) renders the table on the server: the drill reads the
// job headings ("fastapi (0/1 up)") and the state cells. The React UI (upstream 2.x)
// sends a script that fetches /api/v1/targets and draws the table: the drill reads that
// same JSON through the same path and says so. When the runbook's URL does not answer,
// the drill follows the UI's own start page (GET /prometheus/ redirects to the graph
// page) to its Targets page, as a person clicking Status > Targets would, and records
// that the runbook's URL failed.

export interface JobOnPage {
  job: string;
  up: number;
  total: number;
  /** Each target's state as the page shows it (upper-cased, as its CSS renders it). */
  states: string[];
}

export interface TargetsPageReading {
  /** The page that showed the targets. */
  url: string;
  how: "server-rendered page" | "the page's own data (/api/v1/targets)";
  /** The runbook's URL answered this instead of a targets page. */
  runbookUrlProblem?: string;
  jobs: JobOnPage[];
}

const decode = (s: string) =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** Jobs and target states from the classic UI's server-rendered targets page. */
export function parseClassicTargets(html: string): JobOnPage[] {
  const heading = /([A-Za-z0-9_.:-]+) \((\d+)\/(\d+) up\)/g;
  const found = [...html.matchAll(heading)].map((m) => ({ job: decode(m[1] ?? ""), up: Number(m[2]), total: Number(m[3]), at: m.index ?? 0 }));
  return found.map((j, i) => {
    const section = html.slice(j.at, found[i + 1]?.at ?? html.length);
    const states = [...section.matchAll(/class="[^"]*state_indicator[^"]*"[^>]*>\s*([A-Za-z]+)\s*</g)].map((m) => (m[1] ?? "").toUpperCase());
    return { job: j.job, up: j.up, total: j.total, states };
  });
}

interface ApiTargets {
  data?: { activeTargets?: { labels?: Record<string, string>; scrapePool?: string; health?: string }[] };
}

/** Jobs and target states from the JSON the React targets page draws. */
export function parseApiTargets(body: ApiTargets): JobOnPage[] {
  const jobs = new Map<string, JobOnPage>();
  for (const t of body.data?.activeTargets ?? []) {
    const job = t.scrapePool ?? t.labels?.job ?? "?";
    const entry = jobs.get(job) ?? { job, up: 0, total: 0, states: [] };
    const state = (t.health ?? "unknown").toUpperCase();
    entry.total++;
    if (state === "UP") entry.up++;
    entry.states.push(state);
    jobs.set(job, entry);
  }
  return [...jobs.values()];
}

const isClassic = (html: string) => /state_indicator/.test(html) || /\(\d+\/\d+ up\)/.test(html);

export type Fetcher = (path: string) => Promise<{ status: number; body: string; location?: string }>;

/** Read the targets page at `path` (e.g. /prometheus/targets) through `get`. */
export async function readTargetsPage(get: Fetcher, path: string): Promise<TargetsPageReading> {
  const first = await get(path);
  if (first.status === 401) throw new Error(`${path} answered 401: the basic auth was refused`);
  if (first.status === 200 && isClassic(first.body)) return { url: path, how: "server-rendered page", jobs: parseClassicTargets(first.body) };
  if (first.status === 200) {
    // The React UI: the table is drawn from this JSON, fetched relative to the page.
    const api = `${path.replace(/\/targets\/?$/, "")}/api/v1/targets`;
    const data = await get(api);
    if (data.status !== 200) throw new Error(`${path} is a script page and its data ${api} answered ${data.status}`);
    return { url: path, how: "the page's own data (/api/v1/targets)", jobs: parseApiTargets(JSON.parse(data.body) as ApiTargets) };
  }
  // Not a targets page: find the UI's own Targets page from its start page.
  const problem = `${path} answered ${first.status} ${first.body.trim().slice(0, 60)}`;
  const base = path.replace(/\/targets\/?$/, "");
  const start = await get(`${base}/`);
  const landing = start.location ?? "";
  const m = /^(.*)\/graph\/?$/.exec(landing);
  if (!m) throw new Error(`${problem}; and the UI's start page ${base}/ did not lead to a graph page (answered ${start.status}${landing ? ` -> ${landing}` : ""})`);
  const targets = `${m[1]}/targets`;
  const page = await get(targets);
  if (page.status !== 200 || !isClassic(page.body)) throw new Error(`${problem}; the UI's own Targets page ${targets} answered ${page.status}`);
  return { url: targets, how: "server-rendered page", runbookUrlProblem: problem, jobs: parseClassicTargets(page.body) };
}

/** A person's reading of one job: "fastapi: 0/1 up, DOWN". */
export function describeJob(j: JobOnPage | undefined, job: string): string {
  return j ? `${j.job}: ${j.up}/${j.total} up, ${j.states.join(", ") || "no state shown"}` : `${job}: not on the page`;
}
