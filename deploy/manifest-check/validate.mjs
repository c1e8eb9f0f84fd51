// Validates every resource in the given manifest files (default: deploy/kubernetes/*.yaml, less
// kustomization.yaml, which is kubectl's build file and no API object) against the JSON schemas of the
// Kubernetes API that the kubernetes-models package carries: field types, required fields, enumerations and
// formats, with no cluster and no network. Unknown field names are caught by the xunit test
// Tests/Deployment/KubernetesManifestTests.cs, which reads the same files with the typed Kubernetes client.
// Prints one line per resource and exits 1 on the first file with an invalid or unknown resource.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const manifests = resolve(here, "../kubernetes");
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : readdirSync(manifests).filter(f => f.endsWith(".yaml") && f !== "kustomization.yaml").sort().map(f => join(manifests, f));

let failed = 0;
let checked = 0;
for (const file of files) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length > 0) {
      console.error(`${file}: not YAML: ${document.errors[0].message}`);
      failed++;
      continue;
    }
    const resource = document.toJS();
    if (resource === null) continue; // an empty document between two ---
    const { apiVersion, kind } = resource;
    const name = `${file}: ${kind ?? "?"} ${resource.metadata?.name ?? "?"}`;
    if (typeof apiVersion !== "string" || typeof kind !== "string") {
      console.error(`${name}: no apiVersion or kind`);
      failed++;
      continue;
    }
    let Model;
    try {
      ({ [kind]: Model } = await import(`kubernetes-models/${apiVersion}/${kind}`));
    } catch {
      console.error(`${name}: ${apiVersion} ${kind} is not a Kubernetes API type`);
      failed++;
      continue;
    }
    try {
      new Model(resource).validate();
      checked++;
      console.log(`ok   ${name} (${apiVersion})`);
    } catch (error) {
      failed++;
      console.error(`FAIL ${name} (${apiVersion})`);
      for (const e of error.errors ?? [error]) console.error(`     ${e.instancePath ?? ""} ${e.message}`);
    }
  }
}
console.log(`manifests: ${checked} valid, ${failed} invalid`);
process.exit(failed > 0 || checked === 0 ? 1 : 0);
