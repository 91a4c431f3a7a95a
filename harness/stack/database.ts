// How the harness reaches a drill's PostgreSQL, as the app's role: one place for the
// seed data, the integrity checks and the faults that open their own session.
import type pg from "pg";
import type { RunningStack } from "./drill-stack.js";

/** How the harness reaches the drill's PostgreSQL as the app's role (seed, checks, faults). */
export function databaseConfig(stack: RunningStack, extra: pg.ClientConfig = {}): pg.ClientConfig {
  return {
    host: "127.0.0.1",
    port: stack.hostPort("postgresql", 5432),
    user: "pretamane",
    database: "pretamane",
    password: stack.secrets.env.POSTGRES_PASSWORD,
    connectionTimeoutMillis: 5000,
    ...extra,
  };
}
