/**
 * Architecture facts of a few open models, for the GPU fit check when a site names the model but not its shape.
 * Every figure is copied from the model's published config.json on Hugging Face (the `source`), where
 * num_hidden_layers, num_key_value_heads, head_dim (or hidden_size / num_attention_heads) and
 * max_position_embeddings are given, and the parameter count from the model card. A site can give the same facts
 * itself (apps[].gpu.model), which override the catalog.
 */
export interface LlmFacts {
  /** Parameters, in billions (model card). */
  readonly parametersBillions: number;
  /** Transformer layers (num_hidden_layers). */
  readonly layers: number;
  /** Key/value heads (num_key_value_heads): grouped-query attention keeps these far fewer than the query heads. */
  readonly kvHeads: number;
  /** Size of one attention head (head_dim, or hidden_size / num_attention_heads). */
  readonly headDim: number;
  /** Longest context the model is trained for (max_position_embeddings); vLLM's default --max-model-len. */
  readonly contextLength: number;
  /** Where the figures come from. */
  readonly source: string;
}

export const LLM_CATALOG: Readonly<Record<string, LlmFacts>> = {
  'meta-llama/Llama-3.2-3B-Instruct': {
    parametersBillions: 3.21,
    layers: 28,
    kvHeads: 8,
    headDim: 128,
    contextLength: 131072,
    source: 'https://huggingface.co/meta-llama/Llama-3.2-3B-Instruct/blob/main/config.json',
  },
  'meta-llama/Llama-3.1-8B-Instruct': {
    parametersBillions: 8.03,
    layers: 32,
    kvHeads: 8,
    headDim: 128,
    contextLength: 131072,
    source: 'https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/config.json',
  },
  'Qwen/Qwen2.5-7B-Instruct': {
    parametersBillions: 7.62,
    layers: 28,
    kvHeads: 4,
    headDim: 128,
    contextLength: 32768,
    source: 'https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json',
  },
  'mistralai/Mistral-7B-Instruct-v0.3': {
    parametersBillions: 7.25,
    layers: 32,
    kvHeads: 8,
    headDim: 128,
    contextLength: 32768,
    source: 'https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.3/blob/main/config.json',
  },
  'meta-llama/Llama-3.1-70B-Instruct': {
    parametersBillions: 70.6,
    layers: 80,
    kvHeads: 8,
    headDim: 128,
    contextLength: 131072,
    source: 'https://huggingface.co/meta-llama/Llama-3.1-70B-Instruct/blob/main/config.json',
  },
  'meta-llama/Llama-3.3-70B-Instruct': {
    parametersBillions: 70.6,
    layers: 80,
    kvHeads: 8,
    headDim: 128,
    contextLength: 131072,
    source: 'https://huggingface.co/meta-llama/Llama-3.3-70B-Instruct/blob/main/config.json',
  },
};
