/**
 * The SES v1 query API (form-encoded `Action=...`, XML answers in the
 * http://ses.amazonaws.com/doc/2010-12-01/ namespace) that the SES stand-in
 * answers itself, in front of aws-ses-v2-local: the actions aws-ses-v2-local
 * lacks (GetSendQuota, identities, ...), SendEmail (aws-ses-v2-local keeps
 * only the first address of each recipient list and answers errors in JSON,
 * which SES clients cannot parse), and SES's error shapes for both API
 * versions. Element names follow the SES API reference and botocore's
 * service model (ses/2010-12-01). Node built-ins only.
 */
import { randomBytes, randomUUID } from "node:crypto";

export const SES_XMLNS = "http://ses.amazonaws.com/doc/2010-12-01/";

/** Escapes XML text content (the stand-in writes no attributes from data). */
export function xmlEscape(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** `<XResponse><XResult>inner</XResult><ResponseMetadata>...</ResponseMetadata></XResponse>` */
export function queryResponse(action: string, inner: string | null, requestId: string = randomUUID()): string {
  const result = inner === null ? "" : inner === "" ? `<${action}Result/>` : `<${action}Result>${inner}</${action}Result>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${SES_XMLNS}">${result}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export interface SesErrorSpec {
  /** v1 (query API) error code. */
  code: string;
  /** v1 HTTP status. */
  status: number;
  message: string;
  /** v2 (REST-JSON API) error type and status. */
  v2Type: string;
  v2Status: number;
}

/** `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>` as SES answers. */
export function queryErrorXml(spec: Pick<SesErrorSpec, "code" | "status" | "message">, requestId: string = randomUUID()): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${SES_XMLNS}"><Error>` +
    `<Type>${spec.status >= 500 ? "Receiver" : "Sender"}</Type><Code>${xmlEscape(spec.code)}</Code>` +
    `<Message>${xmlEscape(spec.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

export interface RequestContext {
  /** Region of the SigV4 credential scope (default us-east-1). */
  region: string;
  /** Access key id of the SigV4 credential ("" when unsigned). */
  accessKeyId: string;
  /** SES operation name (v1 Action or the v2 operation). */
  action: string;
  /** Sender address when the operation sends (for error messages). */
  source?: string;
}

/** Account id in every ARN the stand-in makes up (LocalStack's default account). */
export const ACCOUNT_ID = "000000000000";

/** Errors the deny toggle can inject, with SES's codes, statuses and wording per API version. */
export const DENY_CODES: Record<string, (ctx: RequestContext) => SesErrorSpec> = {
  AccessDenied: (ctx) => {
    const user = `arn:aws:iam::${ACCOUNT_ID}:user/${ctx.accessKeyId || "anonymous"}`;
    const resource = `arn:aws:ses:${ctx.region}:${ACCOUNT_ID}:identity/${ctx.source ?? "*"}`;
    return {
      code: "AccessDenied",
      status: 403,
      // SES v1's own wording (with its `...' quoting).
      message: `User \`${user}' is not authorized to perform \`ses:${ctx.action}' on resource \`${resource}'`,
      v2Type: "AccessDeniedException",
      v2Status: 403,
    };
  },
  MessageRejected: (ctx) => ({
    code: "MessageRejected",
    status: 400,
    message: `Email address is not verified. The following identities failed the check in region ${ctx.region.toUpperCase()}: ${ctx.source ?? ""}`,
    v2Type: "MessageRejected",
    v2Status: 400,
  }),
  Throttling: () => ({ code: "Throttling", status: 400, message: "Maximum sending rate exceeded.", v2Type: "TooManyRequestsException", v2Status: 429 }),
  AccountSendingPausedException: () => ({
    code: "AccountSendingPausedException",
    status: 400,
    message: "Email sending is disabled for your entire Amazon SES account.",
    v2Type: "SendingPausedException",
    v2Status: 400,
  }),
  InvalidClientTokenId: () => ({
    code: "InvalidClientTokenId",
    status: 403,
    message: "The security token included in the request is invalid.",
    v2Type: "UnrecognizedClientException",
    v2Status: 403,
  }),
  SignatureDoesNotMatch: () => ({
    code: "SignatureDoesNotMatch",
    status: 403,
    message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    v2Type: "InvalidSignatureException",
    v2Status: 403,
  }),
  ServiceUnavailable: () => ({ code: "ServiceUnavailable", status: 503, message: "Service Unavailable", v2Type: "ServiceUnavailable", v2Status: 503 }),
};

/** SES's v1 operations that send mail (IAM actions ses:Send*), the deny toggle's default scope. */
export const SEND_ACTIONS = ["SendEmail", "SendRawEmail", "SendTemplatedEmail", "SendBulkTemplatedEmail", "SendBulkEmail"];

// ---------------------------------------------------------------------------
// Identities
// ---------------------------------------------------------------------------

export type IdentityType = "EmailAddress" | "Domain";

export interface Identity {
  type: IdentityType;
  status: "Pending" | "Success" | "Failed" | "TemporaryFailure";
  /** Domains only. */
  token?: string;
}

export class IdentityStore {
  private readonly identities = new Map<string, Identity>();

  constructor(
    /** Real SES keeps a new identity Pending until its owner clicks the link / publishes the TXT record. */
    private readonly autoVerify: boolean,
  ) {}

  verifyEmail(address: string): void {
    const existing = this.identities.get(address);
    if (existing?.status === "Success") return;
    this.identities.set(address, { type: "EmailAddress", status: this.autoVerify ? "Success" : "Pending" });
  }

  verifyDomain(domain: string): string {
    const existing = this.identities.get(domain);
    const token = existing?.token ?? randomBytes(32).toString("base64");
    this.identities.set(domain, { type: "Domain", status: existing?.status === "Success" || this.autoVerify ? "Success" : "Pending", token });
    return token;
  }

  /** Pre-verified at start (SES_STANDIN_VERIFIED_IDENTITIES): Success regardless of autoVerify. */
  addVerified(identity: string): void {
    if (identity.includes("@")) this.identities.set(identity, { type: "EmailAddress", status: "Success" });
    else this.identities.set(identity, { type: "Domain", status: "Success", token: randomBytes(32).toString("base64") });
  }

  delete(identity: string): void {
    this.identities.delete(identity);
  }

  get(identity: string): Identity | undefined {
    return this.identities.get(identity);
  }

  list(type?: IdentityType): string[] {
    return [...this.identities.entries()].filter(([, v]) => type === undefined || v.type === type).map(([k]) => k);
  }

  /** SES accepts a sender whose address, or whose domain, is verified. */
  isVerifiedSender(source: string): boolean {
    const address = extractAddress(source);
    if (this.identities.get(address)?.status === "Success") return true;
    const domain = address.slice(address.lastIndexOf("@") + 1);
    return this.identities.get(domain)?.status === "Success";
  }
}

/** `"Name" <a@b.c>` -> `a@b.c`. */
export function extractAddress(value: string): string {
  const m = /<([^>]+)>\s*$/.exec(value);
  return (m ? (m[1] ?? "") : value).trim();
}

// ---------------------------------------------------------------------------
// Query parameters
// ---------------------------------------------------------------------------

export type Params = Map<string, string>;

/** `Prefix.member.1`, `Prefix.member.2`, ... in order. */
export function memberList(params: Params, prefix: string): string[] {
  const out: Array<[number, string]> = [];
  for (const [k, v] of params) {
    const m = new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.member\\.(\\d+)$`).exec(k);
    if (m) out.push([Number(m[1]), v]);
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

export class ParamError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function required(params: Params, name: string): string {
  const v = params.get(name);
  if (v === undefined || v === "") throw new ParamError("ValidationError", `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`);
  return v;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
