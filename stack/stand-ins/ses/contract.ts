/**
 * Contract suite for the SES subset the stack and runbook section 12 rely on,
 * through the official `@aws-sdk/client-ses` (the same query API as boto3's
 * `ses` client and `aws ses ...`): SendEmail and SendRawEmail with the sent
 * message inspected on the server, GetSendQuota, and the identity calls of
 * runbook step 4.
 *
 * It is written against a URL and a way to read what the server "sent", so
 * the same assertions run against the in-process SES stand-in (its
 * aws-ses-v2-local `GET /store`) and, when one is reachable, LocalStack (its
 * `GET /_aws/ses`). Senders are verified first, because LocalStack (like SES)
 * rejects unverified ones. Stand-in-only behaviour (the deny toggle, /health)
 * belongs in contract.test.ts.
 */
import {
  DeleteIdentityCommand,
  GetIdentityVerificationAttributesCommand,
  GetSendQuotaCommand,
  ListIdentitiesCommand,
  SESClient,
  SendEmailCommand,
  SendRawEmailCommand,
  VerifyDomainIdentityCommand,
  VerifyEmailIdentityCommand,
} from "@aws-sdk/client-ses";
import { describe, expect, it } from "vitest";

export interface SentMessage {
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string | undefined;
  html: string | undefined;
}

export interface SesTarget {
  /** Base URL, e.g. http://127.0.0.1:4566. */
  url: string;
  region: string;
  /** Every message the server accepted so far, oldest first. */
  sentMessages(): Promise<SentMessage[]>;
}

interface StoreEmail {
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

/** aws-ses-v2-local's inspection API (the stand-in). */
export function storeMessages(url: string): () => Promise<SentMessage[]> {
  return async () => {
    const res = await fetch(`${url.replace(/\/+$/, "")}/store`);
    if (res.status !== 200) throw new Error(`GET /store answered ${res.status}`);
    const body = (await res.json()) as { emails: StoreEmail[] };
    return body.emails.map((e) => ({
      from: e.from,
      to: e.destination.to,
      cc: e.destination.cc,
      subject: e.subject,
      text: e.body.text,
      html: e.body.html,
    }));
  };
}

interface LocalStackMessage {
  Source: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[] };
  Subject?: string;
  Body?: { text_part?: string | null; html_part?: string | null };
  RawData?: string;
}

/** LocalStack's SES inspection endpoint (upstream). */
export function localstackMessages(url: string): () => Promise<SentMessage[]> {
  return async () => {
    const res = await fetch(`${url.replace(/\/+$/, "")}/_aws/ses`);
    if (res.status !== 200) throw new Error(`GET /_aws/ses answered ${res.status}`);
    const body = (await res.json()) as { messages: LocalStackMessage[] };
    return body.messages.map((m) => ({
      from: m.Source,
      to: m.Destination?.ToAddresses ?? [],
      cc: m.Destination?.CcAddresses ?? [],
      subject: m.Subject ?? /^Subject: (.*)$/m.exec(m.RawData ?? "")?.[1] ?? "",
      text: m.Body?.text_part ?? undefined,
      html: m.Body?.html_part ?? undefined,
    }));
  };
}

export function sesContract(getTarget: () => SesTarget): void {
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const sender = `noreply-${runId}@example.com`;
  const client = () =>
    new SESClient({
      endpoint: getTarget().url,
      region: getTarget().region,
      credentials: { accessKeyId: "contract-key", secretAccessKey: "contract-secret" },
      maxAttempts: 1,
    });
  const findBySubject = async (subject: string): Promise<SentMessage | undefined> =>
    (await getTarget().sentMessages()).find((m) => m.subject === subject);

  describe("sending", () => {
    it("SendEmail answers a MessageId and the server holds the message with its from, to, cc, subject and body", async () => {
      const ses = client();
      await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: sender }));
      const subject = `contract ${runId} text`;
      const res = await ses.send(
        new SendEmailCommand({
          Source: sender,
          Destination: { ToAddresses: ["team@example.com", "ops@example.com"], CcAddresses: ["audit@example.com"] },
          ReplyToAddresses: ["visitor@example.org"],
          Message: { Subject: { Data: subject, Charset: "UTF-8" }, Body: { Text: { Data: "Hello from the contract ✓", Charset: "UTF-8" } } },
        }),
      );
      expect(res.MessageId).toEqual(expect.any(String));
      expect(res.MessageId).not.toBe("");
      const message = await findBySubject(subject);
      expect(message).toMatchObject({
        from: sender,
        to: ["team@example.com", "ops@example.com"],
        cc: ["audit@example.com"],
        subject,
        text: "Hello from the contract ✓",
      });
    });

    it("SendEmail carries an HTML body", async () => {
      const ses = client();
      await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: sender }));
      const subject = `contract ${runId} html`;
      await ses.send(
        new SendEmailCommand({
          Source: sender,
          Destination: { ToAddresses: ["team@example.com"] },
          Message: { Subject: { Data: subject }, Body: { Html: { Data: "<p>hello <b>html</b></p>" } } },
        }),
      );
      expect((await findBySubject(subject))?.html).toBe("<p>hello <b>html</b></p>");
    });

    it("SendRawEmail is accepted and held", async () => {
      const ses = client();
      await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: sender }));
      const subject = `contract ${runId} raw`;
      const raw = [`From: ${sender}`, "To: team@example.com", `Subject: ${subject}`, "Content-Type: text/plain; charset=utf-8", "", "raw body", ""].join("\r\n");
      const res = await ses.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(raw) } }));
      expect(res.MessageId).toEqual(expect.any(String));
      const message = await findBySubject(subject);
      expect(message?.from).toContain(sender);
      expect(message?.to.join(",")).toContain("team@example.com");
    });
  });

  describe("quota and identities (runbook section 12 steps 3 and 4)", () => {
    it("GetSendQuota answers the quota, and SentLast24Hours grows with each message", async () => {
      const ses = client();
      const before = await ses.send(new GetSendQuotaCommand({}));
      expect(before.Max24HourSend === -1 || (before.Max24HourSend ?? 0) > 0).toBe(true);
      expect(before.MaxSendRate).toBeGreaterThan(0);
      expect(before.SentLast24Hours).toBeGreaterThanOrEqual(0);
      await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: sender }));
      await ses.send(
        new SendEmailCommand({
          Source: sender,
          Destination: { ToAddresses: ["team@example.com"] },
          Message: { Subject: { Data: `contract ${runId} quota` }, Body: { Text: { Data: "q" } } },
        }),
      );
      const after = await ses.send(new GetSendQuotaCommand({}));
      expect(after.SentLast24Hours).toBeGreaterThanOrEqual((before.SentLast24Hours ?? 0) + 1);
    });

    it("VerifyEmailIdentity, ListIdentities, GetIdentityVerificationAttributes and DeleteIdentity agree", async () => {
      const ses = client();
      const address = `verify-${runId}@example.com`;
      await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: address }));
      expect((await ses.send(new ListIdentitiesCommand({}))).Identities).toContain(address);
      expect((await ses.send(new ListIdentitiesCommand({ IdentityType: "EmailAddress" }))).Identities).toContain(address);
      expect((await ses.send(new ListIdentitiesCommand({ IdentityType: "Domain" }))).Identities ?? []).not.toContain(address);
      const attrs = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: [address, `never-${runId}@example.com`] }));
      expect(Object.keys(attrs.VerificationAttributes ?? {})).toEqual([address]);
      expect(["Success", "Pending"]).toContain(attrs.VerificationAttributes?.[address]?.VerificationStatus);
      await ses.send(new DeleteIdentityCommand({ Identity: address }));
      expect((await ses.send(new ListIdentitiesCommand({}))).Identities ?? []).not.toContain(address);
    });

    it("VerifyDomainIdentity answers a verification token and lists the domain", async () => {
      const ses = client();
      const domain = `d${runId}.example.com`;
      const res = await ses.send(new VerifyDomainIdentityCommand({ Domain: domain }));
      expect(res.VerificationToken).toMatch(/\S{10,}/);
      expect((await ses.send(new ListIdentitiesCommand({ IdentityType: "Domain" }))).Identities).toContain(domain);
      const attrs = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: [domain] }));
      expect(attrs.VerificationAttributes?.[domain]?.VerificationToken).toBe(res.VerificationToken);
      await ses.send(new DeleteIdentityCommand({ Identity: domain }));
    });
  });
}
