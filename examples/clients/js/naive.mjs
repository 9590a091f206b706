// What not to do: the push of push.mjs without its InvalidLayerPartException and
// ImageAlreadyExistsException branches, trusting the SDK's own retry. client-check shows
// where that ends a push although every byte arrived (tests/client_check.rs asserts it).
//
//   ecr-conformance client-check -- node examples/clients/js/naive.mjs
import { readFileSync } from "node:fs";
import {
  BatchCheckLayerAvailabilityCommand,
  CompleteLayerUploadCommand,
  ECRClient,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
} from "@aws-sdk/client-ecr";

const env = process.env;
const ecr = new ECRClient({ endpoint: env.AWS_ENDPOINT_URL_ECR, region: env.AWS_REGION });
const repositoryName = env.ECR_CONFORMANCE_REPOSITORY;
const digest = env.ECR_CONFORMANCE_LAYER_DIGEST;
const data = readFileSync(env.ECR_CONFORMANCE_LAYER);

try {
  const check = await ecr.send(
    new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: [digest] }),
  );
  if ((check.layers ?? []).length === 0) {
    const { uploadId, partSize } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
    for (let first = 0; first < data.length; first += Number(partSize)) {
      const part = data.subarray(first, first + Number(partSize));
      await ecr.send(
        new UploadLayerPartCommand({
          repositoryName,
          uploadId,
          partFirstByte: first,
          partLastByte: first + part.length - 1,
          layerPartBlob: part,
        }),
      );
    }
    await ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digest] }));
  }
  if (env.ECR_CONFORMANCE_MANIFEST !== undefined) {
    await ecr.send(
      new PutImageCommand({
        repositoryName,
        imageManifest: readFileSync(env.ECR_CONFORMANCE_MANIFEST, "utf8"),
        imageTag: env.ECR_CONFORMANCE_TAG,
      }),
    );
  }
} catch (e) {
  console.error(`push failed: ${e.name}: ${e.message}`);
  process.exit(1);
}
