import { describe, expect, it } from 'vitest';
import { buildModel } from '../model';
import { GpuFitInput, checkGpuFit } from '../model/gpu-fit';
import { LLM_CATALOG } from '../model/llm-catalog';
import { SiteError, SiteProblem } from '../site';
import { REVIEW_FILE, withReview } from '../synth/review-report';
import { synthesize } from '../synth/synthesize';
import { editedSite, Obj } from './support/workloads';

const GIB = 2 ** 30;
const A100_40GB = 40;
/** L4 / RTX 4090 class: 24 GB cards. */
const GPU_24GB = 24;

function fit(name: string, gpuMemoryGiB: number, over: Partial<GpuFitInput> = {}) {
  return checkGpuFit({ model: { name, bytesPerParameter: 2 }, kvCacheDtype: 'auto', memoryUtilization: 0.9, overheadGiB: 3, gpuMemoryGiB, gpuCount: 1, ...over });
}

function problemsOf(edit: (site: Obj) => void): readonly SiteProblem[] {
  try {
    buildModel(editedSite(edit));
  } catch (err) {
    if (err instanceof SiteError) return err.problems;
    throw err;
  }
  return [];
}

describe('GPU fit arithmetic against published figures', () => {
  it('Llama 2 7B: 0.5 MiB of KV cache per token, ~2 GB for a 4096-token sequence (NVIDIA, "Mastering LLM Techniques: Inference Optimization", 2023)', () => {
    // The blog: "1 * 4096 * 2 * 32 * 4096 * 2 bytes, which is ~2 GB" (32 layers, 32 KV heads × 128, fp16).
    const r = checkGpuFit({ model: { name: 'meta-llama/Llama-2-7b-hf', bytesPerParameter: 2, parametersBillions: 6.74, layers: 32, kvHeads: 32, headDim: 128, contextLength: 4096 }, kvCacheDtype: 'auto', memoryUtilization: 0.9, overheadGiB: 3, gpuMemoryGiB: A100_40GB, gpuCount: 1 });
    expect(r.fit?.kvBytesPerToken).toBe(512 * 1024);
    expect(r.fit?.kvCacheGiB).toBe(2);
  });

  it('Llama 3 8B: weights 14.96 GiB and 53.29 GiB left for the KV cache on an 80 GB H100, as vLLM profiles it (vllm-project/vllm#10511)', () => {
    // The PR's log for `vllm serve meta-llama/Meta-Llama-3-8B`: total_gpu_memory 79.22GiB, gpu_memory_utilization 0.90,
    // can use 71.29GiB, model weights take 14.96GiB, non_torch_memory 1.79GiB, PyTorch activation peak memory 1.26GiB,
    // available_kv_cache_memory 53.29GiB. Llama 3 8B has Llama 3.1 8B's shape and parameter count.
    const r = fit('meta-llama/Llama-3.1-8B-Instruct', 79.22, { overheadGiB: 1.79 + 1.26 });
    expect(r.fit?.weightsGiB).toBeCloseTo(14.96, 2);
    expect(r.fit?.budgetGiB).toBeCloseTo(71.29, 1);
    const room = (r.fit?.budgetGiB ?? 0) - (r.fit?.weightsGiB ?? 0) - (r.fit?.overheadGiB ?? 0);
    expect(room).toBeCloseTo(53.29, 1);
  });

  it('Llama 3.1 8B at 16 bits with a 128k context: about 15 GiB of weights plus 16 GiB of KV cache (issue 17)', () => {
    // 2 (K and V) × 32 layers × 8 KV heads × 128 × 2 bytes = 128 KiB per token; × 131072 tokens = 16 GiB.
    const r = fit('meta-llama/Llama-3.1-8B-Instruct', A100_40GB);
    expect(r.fit?.kvBytesPerToken).toBe(128 * 1024);
    expect(r.fit?.kvCacheGiB).toBe(16);
    expect(r.fit?.weightsGiB).toBeCloseTo((8.03e9 * 2) / GIB, 10);
  });

  it('Llama 3.1 70B: 131.50 GiB of weights at 16 bits (70.6B parameters) and 320 KiB of KV cache per token, 40 GiB at 128k', () => {
    const r = fit('meta-llama/Llama-3.1-70B-Instruct', A100_40GB);
    expect(r.fit?.weightsGiB).toBeCloseTo(131.5, 2);
    expect(r.fit?.kvBytesPerToken).toBe(320 * 1024);
    expect(r.fit?.kvCacheGiB).toBe(40);
  });

  it('takes every catalog figure from a cited config.json', () => {
    for (const [name, facts] of Object.entries(LLM_CATALOG)) expect(facts.source).toBe(`https://huggingface.co/${name}/blob/main/config.json`);
  });
});

describe('checkGpuFit: three model sizes on two GPUs', () => {
  it('fits Llama 3.2 3B (5.98 GiB + 14 GiB of KV at 128k + 3 GiB = 22.98 GiB) on the A100 40GB', () => {
    expect(fit('meta-llama/Llama-3.2-3B-Instruct', A100_40GB)).toMatchObject({ fit: { largestContextTokens: 131072, engineArgs: ['--max-model-len', '131072', '--gpu-memory-utilization', '0.9'] } });
    expect(fit('meta-llama/Llama-3.2-3B-Instruct', A100_40GB).problem).toBeUndefined();
  });

  it('fails when Llama 3.2 3B serves its full 128k context on a 24 GB GPU (21.60 GiB), proposing 117760 tokens', () => {
    const { problem } = fit('meta-llama/Llama-3.2-3B-Instruct', GPU_24GB);
    expect(problem).toEqual({
      field: 'maxContextTokens',
      value: 131072,
      message: 'needs 5.98 GiB of weights + 14.00 GiB of KV cache for one sequence of 131072 tokens + 3.00 GiB overhead = 22.98 GiB, but 1 × 24 GiB GPU at utilization 0.9 gives 21.60 GiB; vLLM refuses to start',
      fix: 'set gpu.maxContextTokens to 117760 or less (the largest context that fits), or kvCacheDtype: fp8 to halve the cache, or raise memoryUtilization, or add GPUs',
    });
    // The proposal itself fits: 5.98 + 117760 × 112 KiB (12.58 GiB) + 3 = 21.56 GiB ≤ 21.60 GiB.
    expect(fit('meta-llama/Llama-3.2-3B-Instruct', GPU_24GB, { maxContextTokens: 117760 }).problem).toBeUndefined();
    expect(fit('meta-llama/Llama-3.2-3B-Instruct', GPU_24GB, { maxContextTokens: 118784 }).problem?.field).toBe('maxContextTokens');
  });

  it('fits Llama 3.1 8B at its full 128k context on the A100 40GB (33.96 of 36 GiB)', () => {
    expect(fit('meta-llama/Llama-3.1-8B-Instruct', A100_40GB).problem).toBeUndefined();
  });

  it('fails when Llama 3.1 8B at 128k goes on a 24 GB GPU, proposing 29696 tokens, and fp8 KV doubles what fits', () => {
    expect(fit('meta-llama/Llama-3.1-8B-Instruct', GPU_24GB).problem?.fix).toMatch(/^set gpu\.maxContextTokens to 29696 or less/);
    // 3.64 GiB of room at 64 KiB per token.
    expect(fit('meta-llama/Llama-3.1-8B-Instruct', GPU_24GB, { kvCacheDtype: 'fp8', maxContextTokens: 32768 })).toMatchObject({ fit: { largestContextTokens: 59392, engineArgs: ['--max-model-len', '32768', '--gpu-memory-utilization', '0.9', '--kv-cache-dtype', 'fp8'] } });
  });

  it('fails when Llama 3.1 70B goes on one A100 40GB even at 4 bits: 32.88 GiB + 3 GiB leaves no room for 1024 tokens of KV', () => {
    const { problem } = fit('meta-llama/Llama-3.1-70B-Instruct', A100_40GB, { model: { name: 'meta-llama/Llama-3.1-70B-Instruct', bytesPerParameter: 0.5 } });
    expect(problem?.field).toBe('model');
    expect(problem?.message).toBe('needs 32.88 GiB for the weights of meta-llama/Llama-3.1-70B-Instruct and 3.00 GiB of runtime overhead, leaving no room for a KV cache of even 1024 tokens: 1 × 40 GiB GPU at utilization 0.9 gives 36.00 GiB');
    expect(problem?.fix).toBe('serve a smaller model, or a quantized one at ≤ 3.9 bits per parameter, or add GPUs');
  });

  it('fits Llama 3.1 70B at 4 bits on two A100 40GB up to 107520 tokens, and on two 24 GB GPUs up to 13312', () => {
    const two = (mem: number) => fit('meta-llama/Llama-3.1-70B-Instruct', mem, { model: { name: 'meta-llama/Llama-3.1-70B-Instruct', bytesPerParameter: 0.5 }, gpuCount: 2 });
    expect(two(A100_40GB).fit?.largestContextTokens).toBe(107520);
    expect(two(GPU_24GB).fit?.largestContextTokens).toBe(13312);
  });

  it('fails when a model outside the catalog comes without its shape, naming what is missing', () => {
    const { problem } = checkGpuFit({ model: { name: 'acme/secret-13b', bytesPerParameter: 2, parametersBillions: 13 }, kvCacheDtype: 'auto', memoryUtilization: 0.9, overheadGiB: 3, gpuMemoryGiB: A100_40GB, gpuCount: 1 });
    expect(problem?.message).toMatch(/^needs layers, kvHeads, headDim, contextLength of acme\/secret-13b for the KV-cache check/);
  });

  it("fails when the context asked for is longer than the model's", () => {
    expect(fit('Qwen/Qwen2.5-7B-Instruct', A100_40GB, { maxContextTokens: 65536 }).problem).toMatchObject({ field: 'maxContextTokens', fix: 'set it to 32768 or less' });
  });
});

describe('overhead and --max-num-batched-tokens', () => {
  // vLLM profiles the activation peak with one batch of max_num_batched_tokens tokens (vllm/worker/model_runner.py
  // profile_run); vllm-project/vllm#10511 logs 1.26 GiB of it for Llama 3 8B at 8192 tokens, beside 1.79 GiB non-torch.
  it('keeps the measured 3.05 GiB of #10511 at 8192 batched tokens, and the same without the argument', () => {
    const at = (maxBatchedTokens?: number) => fit('meta-llama/Llama-3.1-8B-Instruct', 79.22, { overheadGiB: 1.79 + 1.26, maxBatchedTokens });
    expect(at(8192).fit?.overheadGiB).toBeCloseTo(3.05, 10);
    expect(at().fit?.overheadGiB).toBeCloseTo(3.05, 10);
    expect(at().fit?.engineArgs).not.toContain('--max-num-batched-tokens');
  });

  it('adds 1.26 GiB per extra 8192 batched tokens and passes the same number to vLLM', () => {
    const r = fit('meta-llama/Llama-3.1-8B-Instruct', A100_40GB, { maxBatchedTokens: 16384 });
    expect(r.fit?.overheadGiB).toBeCloseTo(4.26, 10);
    expect(r.fit?.engineArgs).toEqual(['--max-model-len', '131072', '--gpu-memory-utilization', '0.9', '--max-num-batched-tokens', '16384']);
    // 14.96 + 16 + 4.26 = 35.22 GiB of 36: still fits; 65536 batched tokens (+6.30 GiB) does not.
    expect(r.problem).toBeUndefined();
    expect(fit('meta-llama/Llama-3.1-8B-Instruct', A100_40GB, { maxBatchedTokens: 65536 }).problem?.fix).toMatch(/^set gpu\.maxContextTokens to \d+ or less/);
  });

  it('fails when Llama 3.1 8B at 128k goes on a 24 GB GPU with 2048 batched tokens, proposing a longer context than at 8192', () => {
    // Overhead 3 - 1.26 × 6144/8192 = 2.055 GiB; room 21.6 - 14.96 - 2.055 = 4.585 GiB at 128 KiB per token.
    const r = fit('meta-llama/Llama-3.1-8B-Instruct', GPU_24GB, { maxBatchedTokens: 2048 });
    expect(r.fit?.overheadGiB).toBeCloseTo(2.055, 10);
    expect(r.problem?.fix).toMatch(/^set gpu\.maxContextTokens to 36864 or less/);
  });
});

describe('GPU fit in the model and the app', () => {
  it("passes the reference site's context and memory share to vLLM as the container's arguments", () => {
    const model = buildModel(editedSite(() => undefined));
    const llm = model.apps.find((a) => a.name === 'ai-content-generator');
    expect(llm?.gpu).toMatchObject({ maxContextTokens: 32768, kvCacheGiB: 4, engineArgs: ['--max-model-len', '32768', '--gpu-memory-utilization', '0.9'] });
    const deployment = synthesize(model).manifests.get('ai-content-generator')?.find((o) => o.kind === 'Deployment') as Obj;
    expect(deployment.spec.template.spec.containers[0].args).toEqual(['--max-model-len', '32768', '--gpu-memory-utilization', '0.9']);
  });

  it("passes the site's maxBatchedTokens to the container beside the context", () => {
    const model = buildModel(editedSite((s) => {
      s.apps[1].gpu.maxBatchedTokens = 4096;
    }));
    expect(model.apps.find((a) => a.name === 'ai-content-generator')?.gpu?.engineArgs).toEqual(['--max-model-len', '32768', '--gpu-memory-utilization', '0.9', '--max-num-batched-tokens', '4096']);
  });

  it('fails when the reference LLM keeps its context on a 24 GB GPU, at the field to change', () => {
    const problems = problemsOf((s) => {
      s.proxmox.nodes[1].gpus[0].memoryGiB = 24;
    });
    expect(problems.map((p) => [p.path, p.fix])).toEqual([['apps[1].gpu.maxContextTokens', 'set gpu.maxContextTokens to 29696 or less (the largest context that fits), or kvCacheDtype: fp8 to halve the cache, or raise memoryUtilization, or add GPUs']]);
  });
});

describe('GPU memory in REVIEW.md', () => {
  it('shows the reference LLM: 14.96 GiB weights + 4 GiB KV (32768 tokens) + 3 GiB of 36 GiB, and that 131072 would fit', () => {
    const model = buildModel(editedSite(() => undefined));
    const review = withReview(model, synthesize(model)).get(REVIEW_FILE) as string;
    expect(review).toContain('| ai-content-generator | 32768 | 14.96 GiB | 4.00 GiB | 3.00 GiB | 36.00 GiB | 61% | 131072 |');
  });
});
