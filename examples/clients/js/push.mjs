// Pushes $ECR_CONFORMANCE_LAYER into $ECR_CONFORMANCE_REPOSITORY with the AWS SDK for
// JavaScript v3 (@aws-sdk/client-ecr, its default retry settings), as spec §6 says a client
// must: check first, upload parts of the advertised partSize, resume from
// lastValidByteReceived + 1 after InvalidLayerPartException (the SDK's retry of a part that
// had landed), take LayerAlreadyExistsException as success; then put the manifest it is
// given, byte for byte, taking ImageAlreadyExistsException as success (no manifest is given
// under --layer-only). Endpoint, region and credentials come from the environment.
//
//   npm ci --prefix examples/clients/js
//   ecr-conformance client-check -- node examples/clients/js/push.mjs
import { readFileSync } from "node:fs";
import {
  BatchCheckLayerAvailabilityCommand,
  CompleteLayerUploadCommand,
  ECRClient,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
} from "@aws-sdk/client-ecr";

const env = (name) => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const ecr = new ECRClient({ endpoint: env("AWS_ENDPOINT_URL_ECR"), region: env("AWS_REGION") });
const repositoryName = env("ECR_CONFORMANCE_REPOSITORY");
const digest = env("ECR_CONFORMANCE_LAYER_DIGEST");
const data = readFileSync(env("ECR_CONFORMANCE_LAYER"));

async function pushLayer() {
  const check = await ecr.send(
    new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: [digest] }),
  );
  if ((check.layers ?? []).length > 0) return;
  const { uploadId, partSize } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
  let first = 0;
  let resumed = 0;
  while (first < data.length) {
    const part = data.subarray(first, first + Number(partSize));
    try {
      await ecr.send(
        new UploadLayerPartCommand({
          repositoryName,
          uploadId,
          partFirstByte: first,
          partLastByte: first + part.length - 1,
          layerPartBlob: part,
        }),
      );
      first += part.length;
    } catch (e) {
      // A retried part that had landed: go on after the last byte the registry holds.
      if (e.name !== "InvalidLayerPartException" || ++resumed > 3) throw e;
      first = Number(e.lastValidByteReceived ?? -1) + 1;
    }
  }
  try {
    await ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digest] }));
  } catch (e) {
    if (e.name !== "LayerAlreadyExistsException") throw e;
  }
}

try {
  await pushLayer();
  const manifest = process.env.ECR_CONFORMANCE_MANIFEST;
  if (manifest !== undefined) {
    try {
      await ecr.send(
        new PutImageCommand({
          repositoryName,
          // The bytes as they are: the image digest is of them.
          imageManifest: readFileSync(manifest, "utf8"),
          imageTag: env("ECR_CONFORMANCE_TAG"),
        }),
      );
    } catch (e) {
      if (e.name !== "ImageAlreadyExistsException") throw e;
    }
  }
} catch (e) {
  console.error(`push failed: ${e.name}: ${e.message}`);
  process.exit(1);
}
