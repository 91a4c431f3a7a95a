// The app's connection pool exhausted (runbook section 10, cause a: "active_database_connections
// == 10/10"). The app never holds a connection longer than one short transaction, so the pool
// fills only when the database keeps requests waiting. The realistic way there: a migration
// someone started by hand in psql and left open (BEGIN; ALTER TABLE ... ADD COLUMN; no COMMIT)
// holds an ACCESS EXCLUSIVE lock on a table the app reads, idle in transaction, while users
// keep opening the page. Every request takes a pooled connection and waits on the lock inside
// PostgreSQL (until the app's statement timeout); once more requests wait than the pool has
// connections, the pool is at 10/10 and further requests wait for a connection, then fail.
import pg from "pg";
import { databaseConfig } from "../stack/database.js";
import { param, type Fault, type FaultModule } from "./fault.js";

export interface PoolExhaustSpec {
  table: string;
  /** The column the open migration adds (rolled back on revert, so nothing changes). */
  column: string;
  applicationName: string;
  /** Users who keep opening the page through Caddy while the lock is held. */
  users: number;
  path: string;
  /** Each user's wait for an answer before giving up and trying again, ms (a browser's). */
  userTimeoutMs: number;
  /** How long the pool may take to show every connection checked out, s. */
  saturateSeconds: number;
}

export function poolExhaustSpec(params: Record<string, unknown>): PoolExhaustSpec {
  const spec: PoolExhaustSpec = {
    table: param<string>(params, "table", "string", "documents"),
    column: param<string>(params, "column", "string", "archived_at"),
    applicationName: param<string>(params, "applicationName", "string", "psql"),
    users: param<number>(params, "users", "number", 12),
    path: param<string>(params, "path", "string", "/api/documents"),
    userTimeoutMs: param<number>(params, "userTimeoutMs", "number", 30_000),
    saturateSeconds: param<number>(params, "saturateSeconds", "number", 90),
  };
  for (const id of [spec.table, spec.column]) {
    if (!/^[a-z_][a-z0-9_]*$/.test(id)) throw new Error(`pool-exhaust: table and column must be plain lower-case identifiers, got ${JSON.stringify(id)}`);
  }
  if (!/^[A-Za-z0-9 _.-]{1,60}$/.test(spec.applicationName)) throw new Error(`pool-exhaust: applicationName must be 1-60 letters, digits, space, _ . -, got ${JSON.stringify(spec.applicationName)}`);
  if (!Number.isInteger(spec.users) || spec.users < 1 || spec.users > 40) throw new Error(`pool-exhaust: users must be an integer from 1 to 40, got ${spec.users}`);
  if (!/^\/[A-Za-z0-9/_.?=&%-]*$/.test(spec.path)) throw new Error(`pool-exhaust: path must be a path through Caddy, got ${JSON.stringify(spec.path)}`);
  if (!Number.isInteger(spec.userTimeoutMs) || spec.userTimeoutMs < 1000) throw new Error(`pool-exhaust: userTimeoutMs must be an integer of at least 1000, got ${spec.userTimeoutMs}`);
  if (!Number.isInteger(spec.saturateSeconds) || spec.saturateSeconds < 5 || spec.saturateSeconds > 600) throw new Error(`pool-exhaust: saturateSeconds must be an integer from 5 to 600, got ${spec.saturateSeconds}`);
  for (const extra of Object.keys(params)) {
    if (!["kind", "table", "column", "applicationName", "users", "path", "userTimeoutMs", "saturateSeconds"].includes(extra)) throw new Error(`pool-exhaust: unknown parameter "${extra}"`);
  }
  return spec;
}

/** The open migration: one explicit transaction, left open after the ALTER. */
export function openMigrationSql(spec: PoolExhaustSpec): string[] {
  return ["BEGIN", `ALTER TABLE ${spec.table} ADD COLUMN ${spec.column} timestamptz`];
}

/** Users opening the page: each waits for its answer (or gives up), pauses a second, and retries. */
class Users {
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  readonly statuses = new Map<string, number>();

  constructor(url: string, count: number, timeoutMs: number) {
    for (let i = 0; i < count; i++) this.loops.push(this.loop(url, timeoutMs));
  }

  private async loop(url: string, timeoutMs: number): Promise<void> {
    while (!this.stopped) {
      let outcome: string;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer();
        outcome = String(res.status);
      } catch {
        outcome = "no answer";
      }
      this.statuses.set(outcome, (this.statuses.get(outcome) ?? 0) + 1);
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }
}

export const poolExhaust: Fault = async ({ stack, log }, params) => {
  const spec = poolExhaustSpec(params);
  const session = new pg.Client(databaseConfig(stack, { application_name: spec.applicationName }));
  await session.connect();
  session.on("error", () => {}); // a terminated backend ends the migration; revert then has nothing to roll back
  for (const sql of openMigrationSql(spec)) await session.query(sql);
  const users = new Users(stack.url("caddy", 8080, spec.path), spec.users, spec.userTimeoutMs);
  // Roll back first: the users' requests still in flight then finish at once.
  const stop = async () => {
    const usersGone = users.stop();
    await session.query("ROLLBACK").catch(() => {});
    await session.end().catch(() => {});
    await usersGone;
  };

  // Applied once the app itself reports every pooled connection checked out (what the
  // section tells on-call to look at), read from Prometheus as on-call would.
  const deadline = Date.now() + spec.saturateSeconds * 1000;
  let reading = "no reading";
  for (;;) {
    const [active] = await stack.prometheus().query("max(active_database_connections)").catch(() => []);
    const [size] = await stack.prometheus().query("max(database_pool_size)").catch(() => []);
    const a = Number(active?.value[1]);
    const s = Number(size?.value[1]);
    reading = `${Number.isFinite(a) ? a : "?"}/${Number.isFinite(s) ? s : "?"}`;
    if (Number.isFinite(a) && Number.isFinite(s) && s > 0 && a >= s) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`pool-exhaust: the app's pool did not fill within ${spec.saturateSeconds} s (active_database_connections/database_pool_size ${reading}); the fault was removed`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  log(`pool-exhaust: active_database_connections ${reading}`);
  const saturatedAt = new Date().toISOString();
  return {
    detail:
      `a migration left open in a ${spec.applicationName} session (\`${openMigrationSql(spec).join("; ")};\`, no COMMIT: idle in transaction, ` +
      `holding an ACCESS EXCLUSIVE lock on ${spec.table}) while ${spec.users} users keep opening ${spec.path} through Caddy ` +
      `(${spec.userTimeoutMs / 1000} s browser timeout, 1 s between tries); their requests wait on the lock inside PostgreSQL, ` +
      `each holding one of the app's pooled connections: active_database_connections ${reading} at ${saturatedAt}`,
    observations: () => [`answers the ${spec.users} users got while the fault was on: ${[...users.statuses].map(([k, v]) => `${k} x${v}`).join(", ") || "none yet"}`],
    revert: stop,
  };
};

/** `kind: pool-exhaust` in a scenario. */
export const poolExhaustFault: FaultModule = {
  kind: "pool-exhaust",
  parameters: {
    table: { type: "string", about: "the table the slow statement reads (default documents)" },
    column: { type: "string", about: "its unindexed column (default archived_at)" },
    applicationName: { type: "string", about: "the session's application_name (default psql)" },
    users: { type: "integer", about: "concurrent users (default 12)" },
    path: { type: "string", about: "the API path they call (default /api/documents)" },
    userTimeoutMs: { type: "integer", about: "each user's timeout (default 30000)" },
    saturateSeconds: { type: "integer", about: "how long the pool is held (default 90)" },
  },
  apply: poolExhaust,
};
