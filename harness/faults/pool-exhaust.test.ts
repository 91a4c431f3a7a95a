import { describe, expect, it } from "vitest";
import { openMigrationSql, poolExhaustSpec } from "./pool-exhaust.js";

describe("pool-exhaust fault parameters", () => {
  it("defaults to a migration left open on documents while 12 users open the documents page", () => {
    const spec = poolExhaustSpec({ kind: "pool-exhaust" });
    expect(spec).toMatchObject({ table: "documents", column: "archived_at", applicationName: "psql", users: 12, path: "/api/documents" });
    expect(openMigrationSql(spec)).toEqual(["BEGIN", "ALTER TABLE documents ADD COLUMN archived_at timestamptz"]);
  });

  it("refuses anything that would put other SQL into the migration, and unknown parameters", () => {
    expect(() => poolExhaustSpec({ table: "documents; DROP TABLE documents" })).toThrow(/plain lower-case identifiers/);
    expect(() => poolExhaustSpec({ column: "x timestamptz; COMMIT" })).toThrow(/plain lower-case identifiers/);
    expect(() => poolExhaustSpec({ applicationName: "x'; --" })).toThrow(/applicationName/);
    expect(() => poolExhaustSpec({ users: 0 })).toThrow(/users/);
    expect(() => poolExhaustSpec({ path: "http://elsewhere/" })).toThrow(/path/);
    expect(() => poolExhaustSpec({ userTimeoutMs: 10 })).toThrow(/userTimeoutMs/);
    expect(() => poolExhaustSpec({ holdSeconds: 5 })).toThrow(/unknown parameter "holdSeconds"/);
  });
});
