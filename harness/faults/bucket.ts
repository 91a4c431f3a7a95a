// Delete the app's bucket with every object in it, through the S3 API.
import * as Minio from "minio";
import { param, type Fault, type FaultModule } from "./fault.js";

export const bucketDelete: Fault = async ({ stack }, params) => {
  const bucket = param<string>(params, "bucket", "string", "pretamane-data");
  const client = new Minio.Client({
    endPoint: "127.0.0.1",
    port: stack.hostPort("minio", 9000),
    useSSL: false,
    accessKey: stack.secrets.env.MINIO_ROOT_USER ?? "",
    secretKey: stack.secrets.env.MINIO_ROOT_PASSWORD ?? "",
  });
  const names: string[] = [];
  for await (const obj of client.listObjectsV2(bucket, "", true)) if (obj.name) names.push(obj.name);
  if (names.length > 0) await client.removeObjects(bucket, names);
  await client.removeBucket(bucket);
  return {
    detail: `deleted bucket ${bucket} and its ${names.length} objects`,
    // The bucket can be recreated; its objects cannot. Data loss stays visible.
    revert: async () => {
      if (!(await client.bucketExists(bucket).catch(() => true))) await client.makeBucket(bucket).catch(() => {});
    },
  };
};

/** `kind: bucket-delete` in a scenario. */
export const bucketDeleteFault: FaultModule = {
  kind: "bucket-delete",
  parameters: { bucket: { type: "string", about: "the bucket deleted (default pretamane-data)" } },
  apply: bucketDelete,
};
