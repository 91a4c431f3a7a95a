import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GetSendQuotaCommand, SESClient, SendEmailCommand, VerifyDomainIdentityCommand, VerifyEmailIdentityCommand } from "@aws-sdk/client-ses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleStandIn, standInNode } from "../s3/bundle.js";
import { readConfig } from "./config.js";
import { localstackMessages, sesContract, storeMessages } from "./contract.js";
import { STANDIN_HEADER, STANDIN_VERSION, startSesStandIn, type SesStandIn } from "./server.js";

const here = dirname(fileURLToPath(import.meta.url));

describe("SES stand-in, in-process on an ephemeral port", () => {
  let standIn: SesStandIn | undefined;
  beforeAll(async () => {
    standIn = await startSesStandIn({ port: 0 });
  });
  afterAll(async () => {
    await standIn?.close();
  });

  sesContract(() => {
    if (!standIn) throw new Error("stand-in not started");
    return { url: standIn.url, region: "ap-southeast-1", sentMessages: storeMessages(standIn.url) };
  });
});

// The same contract against LocalStack (the compose file's `ses` image), once someone can run it.
const upstreamUrl = process.env.SES_UPSTREAM_URL;
describe.skipIf(!upstreamUrl)(
  upstreamUrl
    ? `upstream localstack/localstack (SERVICES=ses) at ${upstreamUrl}`
    : "upstream localstack/localstack (SERVICES=ses): skipped, no registry reachable to pull it (set SES_UPSTREAM_URL)",
  () => {
    sesContract(() => ({ url: upstreamUrl ?? "", region: "us-east-1", sentMessages: localstackMessages(upstreamUrl ?? "") }));
  },
);

// Behaviour only the stand-in has: its health route, the fault toggle, its configuration and bundle.
describe("SES stand-in specifics", () => {
  let s: SesStandIn | undefined;
  beforeAll(async () => {
    s = await startSesStandIn({ port: 0 });
  });
  afterAll(async () => {
    await s?.close();
  });
  const url = () => s?.url ?? "";
  const ses = (region = "ap-southeast-1", target = url()) =>
    new SESClient({ endpoint: target, region, credentials: { accessKeyId: "app-key", secretAccessKey: "app-secret" }, maxAttempts: 1 });
  const send = (subject: string, client = ses(), source = "noreply@example.com") =>
    client.send(
      new SendEmailCommand({
        Source: source,
        Destination: { ToAddresses: ["team@example.com"] },
        Message: { Subject: { Data: subject }, Body: { Text: { Data: "body" } } },
      }),
    );
  const subjects = async () => (await storeMessages(url())()).map((m) => m.subject);
  /** A header that looks signed: the stand-in, like LocalStack, does not verify signatures. */
  const AUTH = "AWS4-HMAC-SHA256 Credential=app-key/20250101/eu-west-1/ses/aws4_request, SignedHeaders=host, Signature=00";
  const errorOf = async (p: Promise<unknown>) => {
    const err = (await p.then(() => undefined, (e: unknown) => e)) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
    expect(err, "the call should have failed").toBeDefined();
    return { name: err?.name, message: err?.message ?? "", status: err?.$metadata?.httpStatusCode };
  };

  it("answers GET /health and LocalStack's /_localstack/health, and names itself", async () => {
    const res = await fetch(`${url()}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", standIn: true, version: STANDIN_VERSION });
    expect(res.headers.get(STANDIN_HEADER)).toBe(STANDIN_VERSION);
    expect(await (await fetch(`${url()}/_localstack/health`)).json()).toMatchObject({ services: { ses: "running" }, edition: "ses-stand-in" });
  });

  it("POST /_standin/deny makes SendEmail fail with SES's AccessDenied until DELETE /_standin/deny", async () => {
    const on = await fetch(`${url()}/_standin/deny`, { method: "POST", body: JSON.stringify({ code: "AccessDenied" }) });
    expect(on.status).toBe(200);
    expect(await (await fetch(`${url()}/_standin/deny`)).json()).toEqual({ deny: { code: "AccessDenied" } });
    try {
      const err = await errorOf(send("denied one"));
      expect(err).toMatchObject({ name: "AccessDenied", status: 403 });
      expect(err.message).toBe(
        "User `arn:aws:iam::000000000000:user/app-key' is not authorized to perform `ses:SendEmail' on resource `arn:aws:ses:ap-southeast-1:000000000000:identity/noreply@example.com'",
      );
      expect(await subjects()).not.toContain("denied one");
      // Only the send operations are denied by default: the runbook's diagnosis steps still answer.
      expect((await ses().send(new GetSendQuotaCommand({}))).Max24HourSend).toBe(200);
      // The raw XML is SES's ErrorResponse.
      const raw = await fetch(`${url()}/`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: AUTH },
        body: "Action=SendEmail&Source=a%40example.com&Destination.ToAddresses.member.1=b%40example.com&Message.Subject.Data=s&Message.Body.Text.Data=t",
      });
      expect(raw.status).toBe(403);
      expect(await raw.text()).toMatch(
        /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<ErrorResponse xmlns="http:\/\/ses\.amazonaws\.com\/doc\/2010-12-01\/"><Error><Type>Sender<\/Type><Code>AccessDenied<\/Code><Message>User `arn:aws:iam::000000000000:user\/app-key' is not authorized to perform `ses:SendEmail' on resource `arn:aws:ses:eu-west-1:000000000000:identity\/a@example\.com'<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
      );
      // The v2 API answers SES v2's AccessDeniedException.
      const v2 = await fetch(`${url()}/v2/email/outbound-emails`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: AUTH },
        body: JSON.stringify({ FromEmailAddress: "a@example.com", Destination: { ToAddresses: ["b@example.com"] }, Content: { Simple: { Subject: { Data: "s" }, Body: { Text: { Data: "t" } } } } }),
      });
      expect(v2.status).toBe(403);
      expect(v2.headers.get("x-amzn-errortype")).toBe("AccessDeniedException");
      expect(((await v2.json()) as { message: string }).message).toMatch(/^User: arn:aws:iam::000000000000:user\/app-key is not authorized to perform: ses:SendEmail on resource: /);
    } finally {
      const off = await fetch(`${url()}/_standin/deny`, { method: "DELETE" });
      expect(await off.json()).toEqual({ deny: null });
    }
    await send("restored one");
    expect(await subjects()).toContain("restored one");
  });

  it("the deny toggle takes other SES codes and a scope of operations", async () => {
    try {
      await fetch(`${url()}/_standin/deny`, { method: "POST", body: JSON.stringify({ code: "Throttling" }) });
      expect(await errorOf(send("throttled"))).toMatchObject({ name: "Throttling", status: 400, message: "Maximum sending rate exceeded." });
      await fetch(`${url()}/_standin/deny`, { method: "POST", body: JSON.stringify({ code: "AccessDenied", actions: ["*"] }) });
      expect(await errorOf(ses().send(new GetSendQuotaCommand({})))).toMatchObject({ name: "AccessDenied", status: 403 });
      await fetch(`${url()}/_standin/deny`, { method: "POST", body: JSON.stringify({ code: "MessageRejected", message: "Custom rejection" }) });
      expect(await errorOf(send("rejected"))).toMatchObject({ name: "MessageRejected", status: 400, message: "Custom rejection" });
      const bad = await fetch(`${url()}/_standin/deny`, { method: "POST", body: JSON.stringify({ code: "NoSuchCode" }) });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(/unknown code "NoSuchCode"/);
      expect((await fetch(`${url()}/_standin/deny`, { method: "POST", body: "not json" })).status).toBe(400);
    } finally {
      await fetch(`${url()}/_standin/deny`, { method: "DELETE" });
    }
  });

  it("answers an action it does not implement with InvalidAction at once (aws-ses-v2-local alone never answers)", async () => {
    const started = Date.now();
    const res = await fetch(`${url()}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: AUTH },
      body: "Action=CreateReceiptRuleSet&RuleSetName=x&Version=2010-12-01",
      signal: AbortSignal.timeout(5_000),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidAction</Code>");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("refuses unsigned requests with MissingAuthenticationToken and illegal addresses with MessageRejected", async () => {
    const unsigned = await fetch(`${url()}/`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "Action=GetSendQuota" });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain("<Code>MissingAuthenticationToken</Code>");
    expect(await errorOf(send("illegal", ses(), "not-an-address"))).toMatchObject({ name: "MessageRejected", message: "Illegal address" });
  });

  it("answers SES v2 GetAccount with the quota computed from the store (the app's health probe)", async () => {
    const res = await fetch(`${url()}/v2/email/account`, { headers: { authorization: AUTH } });
    expect(res.status).toBe(200);
    const account = (await res.json()) as { SendingEnabled: boolean; SendQuota: { Max24HourSend: number; MaxSendRate: number; SentLast24Hours: number } };
    expect(account).toMatchObject({ SendingEnabled: true, EnforcementStatus: "HEALTHY", SendQuota: { Max24HourSend: 200, MaxSendRate: 1 } });
    const quota = await ses().send(new GetSendQuotaCommand({}));
    expect(account.SendQuota.SentLast24Hours).toBe(quota.SentLast24Hours);
  });

  it("with requireVerifiedSender, rejects unverified senders with SES's MessageRejected until the address or its domain is verified", async () => {
    const strict = await startSesStandIn({ port: 0, requireVerifiedSender: true, verifiedIdentities: ["verified.example.com"] });
    try {
      const client = ses("ap-southeast-1", strict.url);
      const err = await errorOf(send("unverified", client, "someone@example.org"));
      expect(err).toMatchObject({ name: "MessageRejected", status: 400 });
      expect(err.message).toBe("Email address is not verified. The following identities failed the check in region AP-SOUTHEAST-1: someone@example.org");
      await client.send(new VerifyEmailIdentityCommand({ EmailAddress: "someone@example.org" }));
      await expect(send("now verified", client, "someone@example.org")).resolves.toMatchObject({ MessageId: expect.any(String) });
      await expect(send("domain verified", client, "Ops <ops@verified.example.com>")).resolves.toMatchObject({ MessageId: expect.any(String) });
      await client.send(new VerifyDomainIdentityCommand({ Domain: "other.example.net" }));
      await expect(send("domain verified later", client, "x@other.example.net")).resolves.toMatchObject({ MessageId: expect.any(String) });
    } finally {
      await strict.close();
    }
  });

  it("reads LocalStack's listen address, aws-ses-v2-local's flags and SES_STANDIN_* variables", () => {
    expect(readConfig([], {})).toMatchObject({ host: "0.0.0.0", port: 4566, defaultRegion: "us-east-1", max24HourSend: 200, maxSendRate: 1, autoVerify: true, requireVerifiedSender: false, deny: undefined });
    expect(readConfig(["--port", "8005", "--host=127.0.0.1"], { GATEWAY_LISTEN: "0.0.0.0:4566" })).toMatchObject({ host: "127.0.0.1", port: 8005 });
    expect(readConfig([], { GATEWAY_LISTEN: ":4510,:4566", SERVICES: "ses,s3", AWS_DEFAULT_REGION: "ap-southeast-1" })).toMatchObject({
      host: "0.0.0.0",
      port: 4510,
      defaultRegion: "ap-southeast-1",
      unservedServices: ["s3"],
    });
    expect(
      readConfig([], {
        SES_STANDIN_DENY: "AccessDenied",
        SES_STANDIN_DENY_ACTIONS: "SendEmail",
        SES_STANDIN_VERIFIED_IDENTITIES: "noreply@example.com, example.org",
        SES_STANDIN_REQUIRE_VERIFIED_SENDER: "true",
        SES_STANDIN_MAX_24_HOUR_SEND: "-1",
      }),
    ).toMatchObject({ deny: { code: "AccessDenied", actions: ["SendEmail"] }, verifiedIdentities: ["noreply@example.com", "example.org"], requireVerifiedSender: true, max24HourSend: -1 });
    expect(() => readConfig([], { SES_STANDIN_DENY: "Nope" })).toThrow(/SES_STANDIN_DENY must be one of/);
    expect(() => readConfig([], { SES_STANDIN_AUTO_VERIFY: "maybe" })).toThrow(/true or false/);
    expect(() => readConfig(["--verbose"], {})).toThrow(/unknown argument/);
  });

  it("bundles with esbuild, serves SendEmail and /store as a process, honours SES_STANDIN_DENY, stops on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ses-standin-"));
    const bundle = join(dir, "ses-standin.mjs");
    await bundleStandIn(join(here, "main.ts"), bundle);
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const child = spawn(standInNode(), [bundle], {
      env: { PATH: process.env.PATH ?? "", GATEWAY_LISTEN: `127.0.0.1:${port}`, SERVICES: "ses", SES_STANDIN_DENY: "AccessDenied", SMTP_TRANSPORT: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 15_000;
      while (!stdout.includes("\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const startLine = JSON.parse(stdout.split("\n")[0] ?? "") as Record<string, unknown>;
      expect(startLine).toMatchObject({ level: "info", standIn: true, version: STANDIN_VERSION, httpAddr: `127.0.0.1:${port}`, deny: { code: "AccessDenied" } });
      const target = `http://127.0.0.1:${port}`;
      expect((await fetch(`${target}/health`)).status).toBe(200);
      expect(await errorOf(send("while denied", ses("us-east-1", target)))).toMatchObject({ name: "AccessDenied" });
      await fetch(`${target}/_standin/deny`, { method: "DELETE" });
      await send("from the bundle", ses("us-east-1", target));
      const messages = await storeMessages(target)();
      expect(messages.map((m) => m.subject)).toEqual(["from the bundle"]);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    const msgs = stdout.trim().split("\n").map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs[0]).toBe("ses stand-in listening");
    expect(msgs.slice(-2)).toEqual(["shutting down", "stopped"]);
    expect(stdout).not.toContain("app-secret");
    await rm(dir, { recursive: true, force: true });
  });
});
