/**
 * The subset of s3rver 3.7's API (a CommonJS package without type
 * declarations) the S3 stand-in uses. Checked against node_modules/s3rver/lib.
 */
declare module "s3rver" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  export interface S3rverOptions {
    address?: string;
    port?: number;
    directory?: string;
    silent?: boolean;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    serviceEndpoint?: string;
    configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
  }

  export interface S3rverBucket {
    name: string;
    creationDate: Date;
  }

  export interface S3rverObject {
    bucket: string;
    key: string;
    /** content-length of the stored object. */
    readonly size: number;
    readonly lastModifiedDate: Date;
  }

  export interface S3rverPutObject {
    bucket: string;
    key: string;
    content: Buffer | import("node:stream").Readable;
    metadata: Record<string, string>;
  }

  export interface S3rverStore {
    rootDirectory: string;
    getBucketPath(bucket: string): string;
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
    putObject(object: S3rverPutObject): Promise<{ size: number; md5: string }>;
    putPart(bucket: string, uploadId: string, partNumber: number, content: import("node:stream").Readable): Promise<{ size: number; md5: string }>;
    deleteObject(bucket: string, key: string): Promise<void>;
    listBuckets(): Promise<S3rverBucket[]>;
    getBucket(bucket: string): Promise<S3rverBucket | null>;
    listObjects(
      bucket: string,
      options: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys?: number },
    ): Promise<{ objects: S3rverObject[]; commonPrefixes: string[]; isTruncated: boolean }>;
  }

  /** Koa's context, reduced to what an error listener reads. */
  export interface S3rverContext {
    method: string;
    path: string;
    status: number;
  }

  /** Koa middleware. */
  export type S3rverMiddleware = (ctx: S3rverKoaContext, next: () => Promise<void>) => Promise<void>;

  export interface S3rverKoaContext {
    method: string;
    path: string;
    status: number;
    type: string;
    body: unknown;
    set(field: string, value: string): void;
  }

  export default class S3rver {
    constructor(options?: S3rverOptions);
    readonly store: S3rverStore;
    /** Koa's middleware stack; composed each time callback() is called. */
    middleware: S3rverMiddleware[];
    /** Koa's request handler (also exposed as getMiddleware()). */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: "error", listener: (err: Error & { code?: string }, ctx?: S3rverContext) => void): this;
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}

declare module "s3rver/lib/models/account.js" {
  /** s3rver's registry of access keys (module-global, shared by every instance in a process). */
  export default class AWSAccount {
    constructor(accountId: number, displayName: string);
    readonly id: number;
    readonly displayName: string;
    createKeyPair(accessKeyId: string, secretAccessKey: string): void;
    revokeAccessKey(accessKeyId: string): void;
    static readonly registry: Map<string, AWSAccount>;
  }
}
