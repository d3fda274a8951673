import { describe, expect, it } from 'vitest';
import { buildModel } from '../model';
import { SiteError, SiteProblem } from '../site';
import reference from '../sites/hookprobe';
import { editedSite, Obj } from './support/workloads';

/** The problems buildModel reports for the reference site after `edit` (none if it builds). */
function problemsOf(edit: (site: Obj) => void): { problems: readonly SiteProblem[]; message: string } {
  try {
    buildModel(editedSite(edit));
  } catch (err) {
    if (err instanceof SiteError) return { problems: err.problems, message: err.message };
    throw err;
  }
  return { problems: [], message: '' };
}

describe('model checks on apps', () => {
  it('accepts the reference site, whose 8B model at 16-bit fits the A100 40GB', () => {
    const llm = buildModel(reference).apps.find((a) => a.name === 'ai-content-generator');
    expect(llm?.gpu?.weightsGiB).toBeCloseTo(14.96, 2);
    expect(llm?.gpu?.budgetGiB).toBeCloseTo(36, 5);
  });

  it('fails when the plan\'s Llama 3.3 70B at 16-bit is served on the 40 GiB GPU, and says how many bits would fit', () => {
    const { problems } = problemsOf((s) => {
      s.apps[1].gpu.model = { name: 'meta-llama/Llama-3.3-70B-Instruct', parametersBillions: 70.6, bytesPerParameter: 2 };
    });
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('apps[1].gpu.model');
    expect(problems[0].message).toContain('needs 131.50 GiB for the weights of meta-llama/Llama-3.3-70B-Instruct');
    expect(problems[0].message).toContain('gives 36.00 GiB');
    // Weights, 3 GiB of overhead and a 1024-token KV cache must fit: 4 bits (32.88 GiB) is just too many.
    expect(problems[0].fix).toContain('quantized one at ≤ 3.9 bits per parameter');
  });

  it('fails when an app needs a GPU on a site without a GPU worker, naming the app', () => {
    const { problems } = problemsOf((s) => {
      s.kubernetes.nodePools = s.kubernetes.nodePools.filter((p: Obj) => !p.gpuModel);
    });
    const gpu = problems.find((p) => p.path === 'apps[1].gpu');
    expect(gpu?.message).toContain('ai-content-generator');
    expect(gpu?.fix).toContain('gpuModel');
  });

  it('fails when a credential is written into an app\'s env in plain text, without repeating the value', () => {
    const { problems, message } = problemsOf((s) => {
      s.apps[2].env[0] = { name: 'DATABASE_URL', value: 'postgresql://hookprobe:hunter2@postgres-service:5432/hookprobe' };
    });
    expect(problems).toEqual([
      expect.objectContaining({ path: 'apps[2].env[0].value', value: '(redacted)', message: expect.stringContaining('puts a secret in plain text (DATABASE_URL)') }),
    ]);
    expect(problems[0].fix).toContain('secret: { name, key, remoteKey }');
    expect(message).not.toContain('hunter2');
  });

  it('fails when an env variable named like a secret has a plain value', () => {
    const { problems } = problemsOf((s) => {
      s.apps[0].env.push({ name: 'QSECBIT_API_TOKEN', value: 'abc123' });
    });
    expect(problems.map((p) => p.path)).toEqual(['apps[0].env[3].value']);
  });

  it('fails when an app calls a service it does not declare, so no network rule would allow the call', () => {
    const { problems } = problemsOf((s) => {
      s.apps[2].dependsOn = s.apps[2].dependsOn.filter((d: string) => d !== 'redis');
    });
    expect(problems).toEqual([expect.objectContaining({ path: 'apps[2].env[1].serviceOf.app', value: 'redis' })]);
  });
});
