// A slow query that blocks the app (runbook section 10, cause b): a session of its own
// (as a report or a migration would open) takes a lock on a table the app reads and
// keeps it while it runs for minutes. The app's queries on that table wait behind it,
// so API requests slow down until the query ends; the section's pg_stat_activity query
// lists it as active, and pg_terminate_backend ends it.
import pg from "pg";
import { databaseConfig } from "../stack/database.js";
import { param, type Fault, type FaultModule } from "./fault.js";

export interface SlowQuerySpec {
  table: string;
  seconds: number;
  applicationName: string;
}

export function slowQuerySpec(params: Record<string, unknown>): SlowQuerySpec {
  const table = param<string>(params, "table", "string", "documents");
  const seconds = param<number>(params, "seconds", "number", 600);
  const applicationName = param<string>(params, "applicationName", "string", "nightly-report");
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`slow-query: table must be a plain lower-case identifier, got ${JSON.stringify(table)}`);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) throw new Error(`slow-query: seconds must be an integer from 1 to 3600, got ${seconds}`);
  if (!/^[A-Za-z0-9 _.-]{1,60}$/.test(applicationName)) throw new Error(`slow-query: applicationName must be 1-60 letters, digits, space, _ . -, got ${JSON.stringify(applicationName)}`);
  return { table, seconds, applicationName };
}

/**
 * One simple-protocol string: PostgreSQL runs its statements as one implicit
 * transaction, so the lock is held until the sleep ends (or the backend is terminated).
 */
export function slowQuerySql(spec: SlowQuerySpec): string {
  return `LOCK TABLE ${spec.table} IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(${spec.seconds})`;
}

export const slowQuery: Fault = async ({ stack, log }, params) => {
  const spec = slowQuerySpec(params);
  const client = new pg.Client(databaseConfig(stack, { application_name: spec.applicationName, connectionTimeoutMillis: 10_000 }));
  await client.connect();
  client.on("error", () => {}); // a terminated backend is the expected end
  const pid = ((await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid ?? 0);
  const running = client.query(slowQuerySql(spec)).then(
    () => log(`slow-query: backend ${pid} finished its ${spec.seconds} s`),
    (err: unknown) => log(`slow-query: backend ${pid} ended: ${err instanceof Error ? err.message : String(err)}`),
  );
  // Applied once PostgreSQL shows the backend holding the lock.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new pg.Client({ host: "127.0.0.1", port: stack.hostPort("postgresql", 5432), user: "pretamane", database: "pretamane", password: stack.secrets.env.POSTGRES_PASSWORD });
    await probe.connect();
    const held = await probe
      .query("SELECT 1 FROM pg_locks WHERE pid = $1 AND mode = 'AccessExclusiveLock' AND granted AND relation = $2::regclass", [pid, spec.table])
      .finally(() => probe.end());
    if (held.rowCount) break;
    if (Date.now() > deadline) throw new Error(`slow-query: backend ${pid} did not get the lock on ${spec.table} within 10 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    detail: `backend ${pid} (application_name ${spec.applicationName}) holds an ACCESS EXCLUSIVE lock on ${spec.table} while it runs pg_sleep(${spec.seconds}): \`${slowQuerySql(spec)}\``,
    revert: async () => {
      await client.end().catch(() => {});
      await running;
    },
  };
};

/** `kind: slow-query` in a scenario. */
export const slowQueryFault: FaultModule = {
  kind: "slow-query",
  parameters: {
    table: { type: "string", about: "the table locked (default documents)" },
    seconds: { type: "integer", about: "how long the query runs (default 600)" },
    applicationName: { type: "string", about: "the session's application_name (default nightly-report)" },
  },
  apply: slowQuery,
};
