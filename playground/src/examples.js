// The examples gallery. The texts are the repository's own files, bundled
// at build time (esbuild's text loader), so the gallery shows what ships.
// The status example's pod (29 KB of JSON, 3.7 KB of the gzipped bundle)
// is a chunk of its own, dist/status-pod.js: the first result does not
// need it; the page fetches it once it is ready (loadPod).

import singleLlsd from '../../examples/llsd/single-provider.yaml';
import multiLlsd from '../../examples/llsd/multi-provider.yaml';
import overrideLlsd from '../../examples/llsd/override-distribution-provider.yaml';
import duplicateLlsd from '../../examples/llsd/invalid/duplicate-ids.yaml';
import noUserConfigLlsd from '../../examples/llsd/no-user-config.yaml';
import noUserConfigDeployment from '../examples/operator-deployment-no-user-config.yaml';
import mismatchLlsd from '../examples/api-mismatch.yaml';
import statusLlsd from '../../tests/data/status/llsd.yaml';
import runYaml from '../../examples/merge/run.yaml';
import vllmSpec from '../../examples/provider-spec/custom-vllm.yaml';
import lmevalSpec from '../../examples/provider-spec/lmeval.yaml';
import ollamaSpec from '../../examples/merge/metadata/ollama/lls-provider-spec.yaml';
import pgvectorSpec from '../../examples/merge/metadata/pgvector-ext/lls-provider-spec.yaml';
import operatorDeployment from '../examples/operator-deployment.yaml';

export const DEFAULT_DEPLOYMENT = operatorDeployment;
export const DEFAULT_RUN_YAML = runYaml;

/** Each example: the inputs, and what its outcome shows. */
export const EXAMPLES = [
  {
    id: 'single',
    title: 'Single provider',
    description: 'One inference provider merged into a starter run.yaml.',
    llsd: singleLlsd,
    specs: { 'custom-vllm': vllmSpec },
  },
  {
    id: 'multi',
    title: 'Several APIs',
    description: 'inference, vectorIo and eval providers; CRD order, new run.yaml sections.',
    llsd: multiLlsd,
    // ramalama keeps the prefilled guess: its image cannot be pulled here.
    specs: { 'custom-vllm': vllmSpec, 'pgvector-ext': pgvectorSpec, lmeval: lmevalSpec },
  },
  {
    id: 'override',
    title: 'Override a distribution provider',
    description: "Replaces the run.yaml's own ollama provider, with a warning.",
    llsd: overrideLlsd,
    specs: { ollama: ollamaSpec },
  },
  {
    id: 'api-mismatch',
    title: 'API mismatch',
    description: 'A vector_io provider listed under inference: merge-config refuses it.',
    llsd: mismatchLlsd,
    specs: { 'pgvector-ext': pgvectorSpec },
  },
  {
    id: 'duplicate-ids',
    title: 'Duplicate ids',
    description: 'One providerId in two sections: refused by validation and by the merge.',
    llsd: duplicateLlsd,
    specs: { shared: vllmSpec },
  },
  {
    id: 'no-user-config',
    title: 'No userConfig',
    description: "Only a distribution name: the providers are merged into the distribution's own config in the server image, which its entrypoint then runs.",
    llsd: noUserConfigLlsd,
    deployment: noUserConfigDeployment,
    specs: { 'custom-vllm': vllmSpec },
  },
  {
    id: 'image-pull-failure',
    title: 'Image pull failure (status)',
    description: "A pod whose provider image cannot be pulled: the per-provider status.",
    llsd: statusLlsd,
    specs: { 'custom-vllm': vllmSpec, 'pgvector-ext': pgvectorSpec, lmeval: lmevalSpec },
    // Set by loadPod.
    pod: null,
    loadPod: () => import('./status-pod.js').then((module) => module.default),
    output: 'status',
  },
];

/** The full input state of an example. */
export function exampleState(example) {
  return {
    llsd: example.llsd,
    specs: { ...example.specs },
    runYaml: example.runYaml ?? runYaml,
    deployment: example.deployment ?? operatorDeployment,
    options: example.options ?? '',
    pod: example.pod ?? '',
  };
}
