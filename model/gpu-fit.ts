import { LLM_CATALOG, LlmFacts } from './llm-catalog';

/**
 * Does a model fit the GPU the way vLLM decides it at start-up? vLLM takes total GPU memory × gpu_memory_utilization,
 * loads the weights, profiles a forward pass (activation peak plus memory outside PyTorch: CUDA context, NCCL,
 * cuBLAS workspaces), and gives what is left to the KV cache. If that cache cannot hold one sequence of
 * --max-model-len tokens it refuses to start ("The model's max seq len (…) is larger than the maximum number of
 * tokens that can be stored in KV cache"). So the rule is: weights + KV cache of one max-length sequence + overhead
 * ≤ GPU memory × utilization.
 */

const GIB = 2 ** 30;

/**
 * The overhead beside weights and KV cache has two parts. Memory outside PyTorch (CUDA context, cuBLAS, NCCL) is a
 * fixed cost per GPU. The activation peak is what vLLM measures with a dummy forward pass whose batch holds
 * max_num_batched_tokens tokens in all ("Profile memory usage with max_num_sequences sequences and the total number of
 * tokens equal to max_num_batched_tokens", vllm/worker/model_runner.py profile_run); every activation tensor of that
 * pass is per token, so the peak grows linearly with that setting. The site's overheadGiB is the total at
 * PROFILED_BATCHED_TOKENS: vLLM's log in vllm-project/vllm#10511 (`vllm serve meta-llama/Meta-Llama-3-8B`, whose
 * 8192-token context makes max_num_batched_tokens = max(max_model_len, 2048) = 8192 in that engine's SchedulerConfig)
 * shows non_torch_memory 1.79 GiB and an activation peak of 1.26 GiB, 3.05 GiB together. A different
 * --max-num-batched-tokens moves the activation part by 1.26 GiB per 8192 tokens. The figure is an 8B model's and is
 * not scaled by model width (the catalog has no hidden or intermediate sizes); larger models should raise overheadGiB.
 */
export const PROFILED_BATCHED_TOKENS = 8192;
export const ACTIVATION_GIB_PER_BATCHED_TOKEN = 1.26 / PROFILED_BATCHED_TOKENS;
/** Contexts proposed in the messages are rounded down to this, so the fix reads as a plain number. */
const CONTEXT_STEP = 1024;

export interface GpuFitInput {
  readonly model: {
    readonly name: string;
    readonly bytesPerParameter: number;
    readonly parametersBillions?: number;
    readonly layers?: number;
    readonly kvHeads?: number;
    readonly headDim?: number;
    readonly contextLength?: number;
  };
  /** --max-model-len; undefined means vLLM's default, the model's own context length. */
  readonly maxContextTokens?: number;
  /** `auto` stores the KV cache in the model's 16-bit activation dtype (also for quantized weights); fp8 halves it. */
  readonly kvCacheDtype: 'auto' | 'fp8';
  readonly memoryUtilization: number;
  /** Memory vLLM needs besides weights and KV cache, per GPU, at PROFILED_BATCHED_TOKENS batched tokens. */
  readonly overheadGiB: number;
  /** --max-num-batched-tokens; undefined leaves vLLM's default, taken as PROFILED_BATCHED_TOKENS. */
  readonly maxBatchedTokens?: number;
  /** Memory of one GPU, and how many the pod gets (tensor parallel: weights and KV heads are split across them). */
  readonly gpuMemoryGiB: number;
  readonly gpuCount: number;
}

export interface GpuFit {
  readonly weightsGiB: number;
  readonly kvBytesPerToken: number;
  readonly kvCacheGiB: number;
  readonly overheadGiB: number;
  readonly budgetGiB: number;
  readonly maxContextTokens: number;
  /** Largest context whose KV cache fits beside weights and overhead, a multiple of 1024; 0 when not even that. */
  readonly largestContextTokens: number;
  /** vLLM's engine arguments that carry the same numbers, so the check and the server cannot disagree. */
  readonly engineArgs: readonly string[];
}

/** A problem in the site: which field (under apps[i].gpu), its value, what is wrong, and the fix. */
export interface GpuFitProblem {
  readonly field: string;
  readonly value: unknown;
  readonly message: string;
  readonly fix: string;
}

/** The model's shape: the site's own facts first, then the catalog; a list of what is missing otherwise. */
export function modelFacts(model: GpuFitInput['model']): LlmFacts | { missing: string[] } {
  const known = LLM_CATALOG[model.name];
  const facts = {
    parametersBillions: model.parametersBillions ?? known?.parametersBillions,
    layers: model.layers ?? known?.layers,
    kvHeads: model.kvHeads ?? known?.kvHeads,
    headDim: model.headDim ?? known?.headDim,
    contextLength: model.contextLength ?? known?.contextLength,
    source: known?.source ?? 'the site',
  };
  const missing = Object.entries(facts).filter(([, v]) => v === undefined).map(([k]) => k);
  return missing.length > 0 ? { missing } : (facts as LlmFacts);
}

const gib = (n: number): string => `${n.toFixed(2)} GiB`;

/** The fit, or the problem vLLM would refuse to start with. */
export function checkGpuFit(input: GpuFitInput): { fit?: GpuFit; problem?: GpuFitProblem } {
  const facts = modelFacts(input.model);
  if ('missing' in facts) {
    return {
      problem: {
        field: 'model',
        value: input.model.name,
        message: `needs ${facts.missing.join(', ')} of ${input.model.name} for the KV-cache check, and the model is not in the catalog (model/llm-catalog.ts has ${Object.keys(LLM_CATALOG).join(', ')})`,
        fix: "give them under gpu.model from the model's config.json (num_hidden_layers, num_key_value_heads, head_dim, max_position_embeddings) and model card",
      },
    };
  }
  const maxContext = input.maxContextTokens ?? facts.contextLength;
  if (maxContext > facts.contextLength) {
    return {
      problem: {
        field: 'maxContextTokens',
        value: maxContext,
        message: `is longer than ${input.model.name}'s context of ${facts.contextLength} tokens; vLLM refuses a --max-model-len beyond the model's max_position_embeddings`,
        fix: `set it to ${facts.contextLength} or less`,
      },
    };
  }
  const kvBytes = input.kvCacheDtype === 'fp8' ? 1 : 2;
  const kvBytesPerToken = 2 * facts.layers * facts.kvHeads * facts.headDim * kvBytes;
  const weightsGiB = (facts.parametersBillions * 1e9 * input.model.bytesPerParameter) / GIB;
  const activationDeltaGiB = ((input.maxBatchedTokens ?? PROFILED_BATCHED_TOKENS) - PROFILED_BATCHED_TOKENS) * ACTIVATION_GIB_PER_BATCHED_TOKEN;
  const overheadGiB = (input.overheadGiB + activationDeltaGiB) * input.gpuCount;
  const budgetGiB = input.gpuMemoryGiB * input.memoryUtilization * input.gpuCount;
  const kvCacheGiB = (kvBytesPerToken * maxContext) / GIB;
  const room = budgetGiB - weightsGiB - overheadGiB;
  const largestContextTokens = room > 0 ? Math.min(facts.contextLength, Math.floor((room * GIB) / kvBytesPerToken / CONTEXT_STEP) * CONTEXT_STEP) : 0;
  const engineArgs = [
    '--max-model-len', String(maxContext),
    '--gpu-memory-utilization', String(input.memoryUtilization),
    ...(input.kvCacheDtype === 'fp8' ? ['--kv-cache-dtype', 'fp8'] : []),
    ...(input.maxBatchedTokens !== undefined ? ['--max-num-batched-tokens', String(input.maxBatchedTokens)] : []),
  ];
  const fit: GpuFit = { weightsGiB, kvBytesPerToken, kvCacheGiB, overheadGiB, budgetGiB, maxContextTokens: maxContext, largestContextTokens, engineArgs };
  const gpus = `${input.gpuCount} × ${input.gpuMemoryGiB} GiB GPU at utilization ${input.memoryUtilization} gives ${gib(budgetGiB)}`;
  if (largestContextTokens < CONTEXT_STEP) {
    const fitsAt = ((budgetGiB - overheadGiB - (kvBytesPerToken * CONTEXT_STEP) / GIB) * GIB) / (facts.parametersBillions * 1e9);
    return {
      fit,
      problem: {
        field: 'model',
        value: input.model.name,
        message: `needs ${gib(weightsGiB)} for the weights of ${input.model.name} and ${gib(overheadGiB)} of runtime overhead, leaving no room for a KV cache of even ${CONTEXT_STEP} tokens: ${gpus}`,
        fix: `serve a smaller model, or a quantized one at ${fitsAt >= 0.25 ? `≤ ${(Math.floor(fitsAt * 80) / 10).toFixed(1)} bits per parameter` : 'fewer bits'}, or add GPUs`,
      },
    };
  }
  if (maxContext > largestContextTokens && kvCacheGiB > room) {
    return {
      fit,
      problem: {
        field: 'maxContextTokens',
        value: maxContext,
        message: `needs ${gib(weightsGiB)} of weights + ${gib(kvCacheGiB)} of KV cache for one sequence of ${maxContext} tokens + ${gib(overheadGiB)} overhead = ${gib(weightsGiB + kvCacheGiB + overheadGiB)}, but ${gpus}; vLLM refuses to start`,
        fix: `set gpu.maxContextTokens to ${largestContextTokens} or less (the largest context that fits)${input.kvCacheDtype === 'auto' ? ', or kvCacheDtype: fp8 to halve the cache' : ''}, or raise memoryUtilization, or add GPUs`,
      },
    };
  }
  return { fit };
}
