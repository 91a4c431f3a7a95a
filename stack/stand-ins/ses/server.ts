/**
 * SES stand-in: aws-ses-v2-local (SES v1 SendEmail/SendRawEmail, the v2
 * email API, templates, an in-memory store with its `GET /store` inspection
 * API) behind a small front on LocalStack's port, which adds:
 *
 *   - the v1 actions aws-ses-v2-local lacks (it never answers them: the
 *     request hangs): GetSendQuota, GetSendStatistics, GetAccountSendingEnabled,
 *     ListIdentities, VerifyEmailIdentity, VerifyEmailAddress,
 *     VerifyDomainIdentity, GetIdentityVerificationAttributes, DeleteIdentity,
 *     DeleteVerifiedEmailAddress, ListVerifiedEmailAddresses; any other
 *     action answers 400 InvalidAction instead of hanging;
 *   - v1 SendEmail answered here (every recipient kept, SES XML errors) and
 *     saved in aws-ses-v2-local's store, so `GET /store` shows it;
 *   - v2 GetAccount computed from the store (unless AWS_SES_ACCOUNT is set);
 *   - SES's error shapes: XML ErrorResponse for v1, x-amzn-ErrorType + JSON for v2;
 *   - a stand-in-only fault toggle: `POST /_standin/deny {"code":"AccessDenied"}`
 *     makes the send operations fail with SES's real error until
 *     `DELETE /_standin/deny`;
 *   - `GET /health` (and LocalStack's `/_localstack/health`).
 *
 * It is NOT SES and NOT LocalStack: signatures are not verified, nothing is
 * delivered (unless aws-ses-v2-local's SMTP_TRANSPORT relay is set), and
 * aws-ses-v2-local's store is process-global. See README.md.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as sesLocalModule from "aws-ses-v2-local";
import { getStoreReadonly, saveEmail } from "aws-ses-v2-local/dist/store.js";
import { getMessageId } from "aws-ses-v2-local/dist/util.js";
import {
  ACCOUNT_ID,
  DENY_CODES,
  IdentityStore,
  ParamError,
  SEND_ACTIONS,
  extractAddress,
  memberList,
  queryErrorXml,
  queryResponse,
  required,
  xmlEscape,
  type IdentityType,
  type Params,
  type RequestContext,
  type SesErrorSpec,
} from "./api.js";

/** Reported in /health and the response header: never a LocalStack or SES version. */
export const STANDIN_VERSION = "aws-ses-v2-local-2.10.2-standin";
export const STANDIN_HEADER = "x-ses-stand-in";
/** aws-ses-v2-local accepts 25 MB bodies; a little more for the form encoding around them. */
const MAX_BODY_BYTES = 30 * 1024 * 1024;

export type LogFn = (entry: Record<string, unknown>) => void;

/** A fault the stand-in injects into matching SES operations until cleared. */
export interface DenyRule {
  /** An SES error code: AccessDenied, MessageRejected, Throttling, AccountSendingPausedException, InvalidClientTokenId, SignatureDoesNotMatch, ServiceUnavailable, or any other code with `status`. */
  code: string;
  /** Overrides the default message of the code. */
  message?: string;
  /** HTTP status; required for codes not in the list above. */
  status?: number;
  /** SES operations to fail (v1 Action names; v2 SendEmail/SendBulkEmail/GetAccount); "*" for all. Default: the send operations. */
  actions?: string[];
}

export interface SesStandInOptions {
  /** TCP port; 0 picks an ephemeral one. LocalStack's edge port is 4566. */
  port: number;
  /** Bind address; defaults to 127.0.0.1 so tests never listen publicly. */
  host?: string;
  /** Region used in messages when a request is unsigned. Default us-east-1. */
  defaultRegion?: string;
  /** GetSendQuota's Max24HourSend (SES sandbox: 200). */
  max24HourSend?: number;
  /** GetSendQuota's MaxSendRate (SES sandbox: 1). */
  maxSendRate?: number;
  /** Verify identities at once (LocalStack does); real SES keeps them Pending until confirmed. Default true. */
  autoVerify?: boolean;
  /** Reject SendEmail from unverified senders with MessageRejected, as SES does. Default false (aws-ses-v2-local accepts any sender). */
  requireVerifiedSender?: boolean;
  /** Identities verified from the start (addresses or domains). */
  verifiedIdentities?: string[];
  /** A fault active from the start. */
  deny?: DenyRule;
  log?: LogFn;
}

export interface SesStandIn {
  port: number;
  url: string;
  setDeny(rule: DenyRule | undefined): void;
  getDeny(): DenyRule | undefined;
  close(): Promise<void>;
}

type StartSesLocal = (config?: Partial<{ host: string; port: number }>) => Promise<http.Server>;

/** aws-ses-v2-local is CommonJS with `exports.default`: Node and esbuild expose it as `default.default`. */
function resolveStart(mod: unknown): StartSesLocal {
  let candidate: unknown = mod;
  for (let i = 0; i < 3 && typeof candidate !== "function"; i++) {
    candidate = typeof candidate === "object" && candidate !== null ? (candidate as { default?: unknown }).default : undefined;
  }
  if (typeof candidate !== "function") throw new Error("aws-ses-v2-local: no server function exported");
  return candidate as StartSesLocal;
}

/** Validates a deny rule (admin endpoint and environment). */
export function parseDenyRule(value: unknown): DenyRule {
  if (typeof value !== "object" || value === null) throw new Error("deny rule must be a JSON object");
  const v = value as Record<string, unknown>;
  if (typeof v.code !== "string" || v.code === "") throw new Error('deny rule needs "code", e.g. {"code":"AccessDenied"}');
  if (v.message !== undefined && typeof v.message !== "string") throw new Error('"message" must be a string');
  if (v.status !== undefined && (typeof v.status !== "number" || !Number.isInteger(v.status) || v.status < 400 || v.status > 599)) {
    throw new Error('"status" must be an HTTP error status (400-599)');
  }
  if (!(v.code in DENY_CODES) && v.status === undefined) {
    throw new Error(`unknown code "${v.code}": give "status" too, or use one of ${Object.keys(DENY_CODES).join(", ")}`);
  }
  if (v.actions !== undefined && (!Array.isArray(v.actions) || v.actions.some((a) => typeof a !== "string"))) {
    throw new Error('"actions" must be an array of SES operation names, or ["*"]');
  }
  return {
    code: v.code,
    ...(v.message !== undefined ? { message: v.message as string } : {}),
    ...(v.status !== undefined ? { status: v.status as number } : {}),
    ...(v.actions !== undefined ? { actions: v.actions as string[] } : {}),
  };
}

function denySpec(rule: DenyRule, ctx: RequestContext): SesErrorSpec {
  const known = DENY_CODES[rule.code];
  const base: SesErrorSpec = known
    ? known(ctx)
    : { code: rule.code, status: rule.status ?? 400, message: rule.code, v2Type: rule.code, v2Status: rule.status ?? 400 };
  return {
    ...base,
    ...(rule.status !== undefined ? { status: rule.status, v2Status: rule.status } : {}),
    ...(rule.message !== undefined ? { message: rule.message } : {}),
  };
}

function denies(rule: DenyRule | undefined, action: string): rule is DenyRule {
  if (!rule) return false;
  const actions = rule.actions ?? SEND_ACTIONS;
  return actions.includes("*") || actions.includes(action);
}

/** Region and access key id from a SigV4 Authorization header or presigned query. */
function signingInfo(req: IncomingMessage, params: URLSearchParams, defaultRegion: string): { signed: boolean; region: string; accessKeyId: string } {
  const auth = req.headers.authorization ?? "";
  const credential = /Credential=([^,\s]+)/.exec(auth)?.[1] ?? params.get("X-Amz-Credential") ?? "";
  const parts = credential.split("/");
  const signed = auth.startsWith("AWS4-HMAC-SHA256") || auth.startsWith("AWS ") || params.has("X-Amz-Algorithm");
  return { signed, region: parts.length >= 5 ? (parts[parts.length - 3] ?? defaultRegion) : defaultRegion, accessKeyId: parts.length >= 5 ? parts.slice(0, -4).join("/") : "" };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error("request body too large"), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, contentType: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** SES writes doubles: 200 -> "200.0". */
function sesDouble(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

const EMAIL_RE = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

const INDEX_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>SES stand-in</title></head>
<body>
<h1>SES stand-in (aws-ses-v2-local behind a small front)</h1>
<p>This is <strong>not</strong> Amazon SES and <strong>not</strong> LocalStack. Nothing is delivered.</p>
<ul>
<li><code>GET /store</code> - every message sent (aws-ses-v2-local's inspection API); <code>POST /clear-store</code> empties it</li>
<li><code>GET /health</code> - 200 while the stand-in runs</li>
<li><code>GET|POST|DELETE /_standin/deny</code> - stand-in-only fault toggle</li>
</ul>
<p>See stack/stand-ins/ses/README.md in the runbook-drills repository.</p>
</body></html>
`;

export async function startSesStandIn(options: SesStandInOptions): Promise<SesStandIn> {
  const host = options.host ?? "127.0.0.1";
  const defaultRegion = options.defaultRegion ?? "us-east-1";
  const max24HourSend = options.max24HourSend ?? 200;
  const maxSendRate = options.maxSendRate ?? 1;
  const requireVerifiedSender = options.requireVerifiedSender ?? false;
  const log: LogFn = options.log ?? (() => undefined);
  const identities = new IdentityStore(options.autoVerify ?? true);
  for (const id of options.verifiedIdentities ?? []) identities.addVerified(id);
  let deny = options.deny ? parseDenyRule(options.deny) : undefined;

  // aws-ses-v2-local on a private loopback port; the front forwards to it.
  const inner = await resolveStart(sesLocalModule)({ host: "127.0.0.1", port: 0 });
  const innerPort = (inner.address() as AddressInfo).port;

  function sentLast24Hours(nowSec: number): number {
    return getStoreReadonly()
      .emails.filter((e) => e.at >= nowSec - 86_400)
      .reduce((n, e) => n + Math.max(1, e.destination.to.length + e.destination.cc.length + e.destination.bcc.length), 0);
  }

  function proxy(req: IncomingMessage, res: ServerResponse, body: Buffer, queryApi: boolean): void {
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: `127.0.0.1:${innerPort}`, "content-length": body.length };
    delete headers["transfer-encoding"];
    const upstream = http.request({ host: "127.0.0.1", port: innerPort, method: req.method, path: req.url, headers }, (up) => {
      const status = up.statusCode ?? 502;
      if (queryApi && status >= 400) {
        // aws-ses-v2-local answers JSON errors; SES v1 clients need the XML ErrorResponse.
        const chunks: Buffer[] = [];
        up.on("data", (c: Buffer) => chunks.push(c));
        up.on("end", () => {
          let message = "Invalid request";
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { message?: unknown; detail?: unknown };
            message = String(parsed.detail ?? parsed.message ?? message);
          } catch {
            message = Buffer.concat(chunks).toString("utf8") || message;
          }
          send(res, status, "text/xml", queryErrorXml({ code: status >= 500 ? "InternalFailure" : "InvalidParameterValue", status, message }));
        });
        return;
      }
      res.writeHead(status, up.headers);
      up.pipe(res);
    });
    upstream.on("error", (err) => {
      log({ level: "error", msg: "aws-ses-v2-local unreachable", error: err.message });
      if (!res.headersSent) send(res, 502, "text/plain", "aws-ses-v2-local unreachable\n");
      else res.destroy();
    });
    upstream.end(body);
  }

  // --- v1 query API -------------------------------------------------------

  function handleQuery(req: IncomingMessage, res: ServerResponse, body: Buffer, urlParams: URLSearchParams): void {
    const params: Params = new Map(urlParams);
    const contentType = String(req.headers["content-type"] ?? "");
    if (body.length > 0 && (contentType === "" || contentType.includes("application/x-www-form-urlencoded"))) {
      for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params.set(k, v);
    }
    const action = params.get("Action") ?? "";
    const info = signingInfo(req, urlParams, defaultRegion);
    const ctx: RequestContext = { region: info.region, accessKeyId: info.accessKeyId, action, source: params.get("Source") };
    const requestId = randomUUID();
    const fail = (spec: Pick<SesErrorSpec, "code" | "status" | "message">): void => {
      log({ level: "info", msg: "ses request", api: "v1", action, status: spec.status, error: spec.code });
      send(res, spec.status, "text/xml", queryErrorXml(spec, requestId), { "x-amzn-RequestId": requestId });
    };
    const ok = (inner: string | null, extra: Record<string, unknown> = {}): void => {
      log({ level: "info", msg: "ses request", api: "v1", action, status: 200, ...extra });
      send(res, 200, "text/xml", queryResponse(action, inner, requestId), { "x-amzn-RequestId": requestId });
    };

    if (!info.signed) return fail({ code: "MissingAuthenticationToken", status: 403, message: "Request is missing Authentication Token" });
    if (denies(deny, action)) return fail(denySpec(deny, ctx));

    try {
      switch (action) {
        case "SendEmail": {
          const source = required(params, "Source");
          const to = memberList(params, "Destination.ToAddresses");
          const cc = memberList(params, "Destination.CcAddresses");
          const bcc = memberList(params, "Destination.BccAddresses");
          const replyTo = memberList(params, "ReplyToAddresses");
          const subject = required(params, "Message.Subject.Data");
          const text = params.get("Message.Body.Text.Data");
          const html = params.get("Message.Body.Html.Data");
          if (to.length + cc.length + bcc.length === 0) throw new ParamError("InvalidParameterValue", "Missing required header 'To'.");
          if (to.length + cc.length + bcc.length > 50) throw new ParamError("InvalidParameterValue", "Recipient count exceeds 50.");
          for (const address of [source, ...to, ...cc, ...bcc, ...replyTo]) {
            if (!EMAIL_RE.test(extractAddress(address))) throw new ParamError("MessageRejected", "Illegal address");
          }
          if (text === undefined && html === undefined) throw new ParamError("InvalidParameterValue", "The message body must contain Text or Html.");
          if (requireVerifiedSender && !identities.isVerifiedSender(source)) {
            const spec = DENY_CODES.MessageRejected?.({ ...ctx, source: extractAddress(source) });
            if (spec) return fail(spec);
          }
          const messageId = getMessageId();
          saveEmail({
            messageId,
            from: source,
            replyTo,
            destination: { to, cc, bcc },
            subject,
            body: { text, html },
            attachments: [],
            at: Math.floor(Date.now() / 1000),
          });
          return ok(`<MessageId>${xmlEscape(messageId)}</MessageId>`, { messageId });
        }
        case "SendRawEmail":
          log({ level: "info", msg: "ses request", api: "v1", action, forwarded: "aws-ses-v2-local" });
          return proxy(req, res, body, true);
        case "GetSendQuota":
          return ok(
            `<Max24HourSend>${sesDouble(max24HourSend)}</Max24HourSend><MaxSendRate>${sesDouble(maxSendRate)}</MaxSendRate>` +
              `<SentLast24Hours>${sesDouble(sentLast24Hours(Math.floor(Date.now() / 1000)))}</SentLast24Hours>`,
          );
        case "GetSendStatistics": {
          const buckets = new Map<number, number>();
          const since = Math.floor(Date.now() / 1000) - 14 * 86_400;
          for (const e of getStoreReadonly().emails) {
            if (e.at < since) continue;
            const slot = Math.floor(e.at / 900) * 900;
            buckets.set(slot, (buckets.get(slot) ?? 0) + Math.max(1, e.destination.to.length + e.destination.cc.length + e.destination.bcc.length));
          }
          const points = [...buckets.entries()]
            .sort((a, b) => a[0] - b[0])
            .map(
              ([slot, n]) =>
                `<member><Timestamp>${new Date(slot * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")}</Timestamp><DeliveryAttempts>${n}</DeliveryAttempts>` +
                "<Bounces>0</Bounces><Complaints>0</Complaints><Rejects>0</Rejects></member>",
            )
            .join("");
          return ok(`<SendDataPoints>${points}</SendDataPoints>`);
        }
        case "GetAccountSendingEnabled":
          return ok("<Enabled>true</Enabled>");
        case "ListIdentities": {
          const typeText = params.get("IdentityType");
          if (typeText !== undefined && typeText !== "EmailAddress" && typeText !== "Domain") {
            throw new ParamError("ValidationError", `1 validation error detected: Value '${typeText}' at 'identityType' failed to satisfy constraint: Member must satisfy enum value set: [Domain, EmailAddress]`);
          }
          const maxItems = Math.min(1000, Math.max(1, Number(params.get("MaxItems") ?? 1000) || 1000));
          const all = identities.list(typeText as IdentityType | undefined);
          const start = Number(Buffer.from(params.get("NextToken") ?? "", "base64").toString("utf8")) || 0;
          const page = all.slice(start, start + maxItems);
          const next = start + maxItems < all.length ? `<NextToken>${Buffer.from(String(start + maxItems)).toString("base64")}</NextToken>` : "";
          return ok(`<Identities>${page.map((i) => `<member>${xmlEscape(i)}</member>`).join("")}</Identities>${next}`);
        }
        case "ListVerifiedEmailAddresses": {
          const verified = identities.list("EmailAddress").filter((a) => identities.get(a)?.status === "Success");
          return ok(`<VerifiedEmailAddresses>${verified.map((a) => `<member>${xmlEscape(a)}</member>`).join("")}</VerifiedEmailAddresses>`);
        }
        case "VerifyEmailIdentity":
          identities.verifyEmail(required(params, "EmailAddress"));
          return ok("");
        case "VerifyEmailAddress":
          identities.verifyEmail(required(params, "EmailAddress"));
          return ok(null);
        case "VerifyDomainIdentity": {
          const token = identities.verifyDomain(required(params, "Domain"));
          return ok(`<VerificationToken>${xmlEscape(token)}</VerificationToken>`);
        }
        case "DeleteIdentity":
          identities.delete(required(params, "Identity"));
          return ok("");
        case "DeleteVerifiedEmailAddress":
          identities.delete(required(params, "EmailAddress"));
          return ok(null);
        case "GetIdentityVerificationAttributes": {
          const wanted = memberList(params, "Identities");
          if (wanted.length === 0) {
            throw new ParamError("ValidationError", "1 validation error detected: Value null at 'identities' failed to satisfy constraint: Member must not be null");
          }
          const entries = wanted
            .map((id) => [id, identities.get(id)] as const)
            .filter((pair): pair is readonly [string, NonNullable<ReturnType<IdentityStore["get"]>>] => pair[1] !== undefined)
            .map(
              ([id, v]) =>
                `<entry><key>${xmlEscape(id)}</key><value><VerificationStatus>${v.status}</VerificationStatus>` +
                `${v.token !== undefined ? `<VerificationToken>${xmlEscape(v.token)}</VerificationToken>` : ""}</value></entry>`,
            )
            .join("");
          return ok(`<VerificationAttributes>${entries}</VerificationAttributes>`);
        }
        case "":
          throw new ParamError("MissingAction", "Missing Action");
        default:
          throw new ParamError("InvalidAction", `The action or operation requested is invalid. Verify that the action is typed correctly. (${action} is not implemented by the SES stand-in)`);
      }
    } catch (err) {
      if (err instanceof ParamError) return fail({ code: err.code, status: 400, message: err.message });
      throw err;
    }
  }

  // --- v2 REST API ----------------------------------------------------------

  function v2Operation(method: string, path: string): string {
    if (method === "POST" && path === "/v2/email/outbound-emails") return "SendEmail";
    if (method === "POST" && path === "/v2/email/outbound-bulk-emails") return "SendBulkEmail";
    if (method === "GET" && path === "/v2/email/account") return "GetAccount";
    return "";
  }

  function handleV2(req: IncomingMessage, res: ServerResponse, body: Buffer, path: string, urlParams: URLSearchParams): void {
    const method = req.method ?? "GET";
    const operation = v2Operation(method, path);
    const info = signingInfo(req, urlParams, defaultRegion);
    const requestId = randomUUID();
    const fail = (type: string, status: number, message: string): void => {
      log({ level: "info", msg: "ses request", api: "v2", action: operation || path, status, error: type });
      send(res, status, "application/json", JSON.stringify({ message }), { "x-amzn-ErrorType": type, "x-amzn-RequestId": requestId });
    };
    if (!info.signed) return fail("MissingAuthenticationTokenException", 403, "Missing Authentication Token");
    if (operation !== "" && denies(deny, operation)) {
      let from: string | undefined;
      try {
        from = (JSON.parse(body.toString("utf8") || "{}") as { FromEmailAddress?: string }).FromEmailAddress;
      } catch {
        from = undefined;
      }
      const ctx: RequestContext = { region: info.region, accessKeyId: info.accessKeyId, action: operation, source: from };
      const spec = denySpec(deny, ctx);
      const message =
        deny.code === "AccessDenied" && deny.message === undefined
          ? `User: arn:aws:iam::${ACCOUNT_ID}:user/${info.accessKeyId || "anonymous"} is not authorized to perform: ses:${operation} on resource: arn:aws:ses:${info.region}:${ACCOUNT_ID}:identity/${from ?? "*"}`
          : spec.message;
      return fail(spec.v2Type, spec.v2Status, message);
    }
    if (operation === "GetAccount" && !process.env.AWS_SES_ACCOUNT) {
      const account = {
        DedicatedIpAutoWarmupEnabled: false,
        EnforcementStatus: "HEALTHY",
        ProductionAccessEnabled: false,
        SendQuota: { Max24HourSend: max24HourSend, MaxSendRate: maxSendRate, SentLast24Hours: sentLast24Hours(Math.floor(Date.now() / 1000)) },
        SendingEnabled: true,
        SuppressionAttributes: { SuppressedReasons: [] },
      };
      log({ level: "info", msg: "ses request", api: "v2", action: operation, status: 200 });
      return send(res, 200, "application/json", JSON.stringify(account), { "x-amzn-RequestId": requestId });
    }
    log({ level: "info", msg: "ses request", api: "v2", action: operation || `${method} ${path}`, forwarded: "aws-ses-v2-local" });
    proxy(req, res, body, false);
  }

  // --- admin (stand-in only) ------------------------------------------------

  function handleDeny(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const method = req.method ?? "GET";
    if (method === "GET") return send(res, 200, "application/json", JSON.stringify({ deny: deny ?? null }));
    if (method === "DELETE") {
      if (deny) log({ level: "warn", msg: "fault cleared", fault: "deny", code: deny.code });
      deny = undefined;
      return send(res, 200, "application/json", JSON.stringify({ deny: null }));
    }
    if (method === "POST" || method === "PUT") {
      try {
        deny = parseDenyRule(JSON.parse(body.toString("utf8") || "{}") as unknown);
      } catch (err) {
        return send(res, 400, "application/json", JSON.stringify({ error: (err as Error).message }));
      }
      log({ level: "warn", msg: "fault injected", fault: "deny", code: deny.code, actions: deny.actions ?? SEND_ACTIONS });
      return send(res, 200, "application/json", JSON.stringify({ deny }));
    }
    send(res, 405, "application/json", JSON.stringify({ error: "use GET, POST or DELETE" }), { Allow: "GET, POST, DELETE" });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader(STANDIN_HEADER, STANDIN_VERSION);
    const url = new URL(req.url ?? "/", "http://stand-in");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const body = await readBody(req);

    if (path === "/health" && (method === "GET" || method === "HEAD")) {
      return send(res, 200, "application/json", JSON.stringify({ status: "ok", standIn: true, implementation: "aws-ses-v2-local", version: STANDIN_VERSION }));
    }
    if (path === "/_localstack/health" && (method === "GET" || method === "HEAD")) {
      // LocalStack's health route, for healthchecks written against it; the edition says what this is.
      return send(res, 200, "application/json", JSON.stringify({ services: { ses: "running" }, edition: "ses-stand-in", version: STANDIN_VERSION }));
    }
    if (path === "/_standin/deny") return handleDeny(req, res, body);
    if (path === "/" && (method === "POST" || url.searchParams.has("Action"))) return handleQuery(req, res, body, url.searchParams);
    if (path === "/" && method === "GET") return send(res, 200, "text/html; charset=utf-8", INDEX_PAGE);
    if (path.startsWith("/v2/")) return handleV2(req, res, body, path, url.searchParams);
    // /store, /clear-store, /health-check, /get-emlContent and everything else: aws-ses-v2-local.
    proxy(req, res, body, false);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = (err as { status?: unknown }).status === 413 ? 413 : 500;
      log({ level: "error", msg: "request failed", error: String(err), method: req.method, path: req.url });
      if (!res.headersSent) send(res, status, "text/xml", queryErrorXml({ code: status === 413 ? "RequestEntityTooLarge" : "InternalFailure", status, message: String(err) }));
      else res.destroy();
    });
  });

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, host, () => {
        server.off("error", reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  } catch (err) {
    inner.close();
    throw err;
  }

  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${urlHost}:${port}`,
    setDeny(rule) {
      deny = rule ? parseDenyRule(rule) : undefined;
    },
    getDeny() {
      return deny;
    },
    close() {
      closing ??= Promise.all(
        [server, inner].map(
          (srv) =>
            new Promise<void>((resolve) => {
              srv.close(() => resolve());
              srv.closeIdleConnections();
              setTimeout(() => srv.closeAllConnections(), 1_000).unref();
            }),
        ),
      ).then(() => undefined);
      return closing;
    },
  };
}
