// The Llama graphs the runtime opens: a decoder step (prefill or cached decode) that returns logits and the
// updated key/value cache, and the scoring graph (summed log-probs of continuations). Weights are either
// graph inputs ('frozen.<name>', shared device buffers) or baked in as initialisers, float32 or quantised
// (placement.quant: MatMulNBits codes, see quantised-weights.ts). Emits ONNX bytes.
import { Graph, type Tensor, type TypedData } from '../../autodiff/ir';
import { dimProduct, expand, gather, gatherElements, logSoftmax, reshape, unsqueeze } from '../../autodiff/ops';
import { sequenceLogProb } from '../../autodiff/nn';
import { emitModel } from '../../onnx/emit';
import { LlamaBuilder, type KeyValue, type LoraBinding, PAST, TOTAL, type QuantisedLookup, type WeightLookup } from './builder';
import { type QuantFormat, frozenLookups, frozenWeightSpecs } from './quantised-weights';
import type { LlamaConfig } from './types';
import { type LoraSettings, loraParamSpecs, loraSite } from './lora';
import { loraDropout } from './lora-dropout';

/**
 * Where frozen weights live, and (quant) whether matrices are held quantised; initialiser values are keyed by
 * frozen name (frozenHostWeights: float32 in graph layout, or uint8 codes and float32 scales).
 */
export type WeightPlacement = ({ kind: 'inputs' } | { kind: 'initialisers'; weights: ReadonlyMap<string, TypedData> }) & { quant?: QuantFormat };

export interface DecoderGraphOptions {
  weights: WeightPlacement;
  /** Past keys/values as inputs ('past.<l>.key', (B,KV,P,D)) and presents as outputs ('present.<l>.key'). */
  cache: boolean;
  /** 'last': logits of the last position only, (B,V); 'all': (B,T,V). */
  logits: 'all' | 'last';
  /**
   * LoRA parameters as inputs ('lora.<name>') with the switch 'adapter_scale' (). With lora.dropout > 0 the
   * adapters' inputs get training-mode dropout (sampling in train mode): inputs 'dropout_seed' (B) row seeds and
   * 'dropout_ratio' () (0 turns it off).
   */
  lora?: LoraSettings;
  /** With `cache`: also 'shared.<l>.key/value' (1, KV, L, D), a prefix every row attends to (prefix reuse). */
  sharedPrefix?: boolean;
  /** Adds the input 'logit_bias' (V) to the logits (-1e9 forbids a token: a restricted prompt vocabulary). */
  logitBias?: boolean;
}

export const io = {
  ids: 'input_ids',
  positions: 'position_ids',
  mask: 'attn_mask',
  adapterScale: 'adapter_scale',
  logitBias: 'logit_bias',
  pastKey: (l: number): string => `past.${l}.key`,
  pastValue: (l: number): string => `past.${l}.value`,
  presentKey: (l: number): string => `present.${l}.key`,
  presentValue: (l: number): string => `present.${l}.value`,
  sharedKey: (l: number): string => `shared.${l}.key`,
  sharedValue: (l: number): string => `shared.${l}.value`,
  frozen: (name: string): string => `frozen.${name}`,
  lora: (name: string): string => `lora.${name}`,
  dropoutSeed: 'dropout_seed',
  dropoutRatio: 'dropout_ratio',
};

/** The frozen weights of `config` as graph inputs or initialisers; float32 lookup plus the quantised one. */
export function declareFrozen(g: Graph, config: LlamaConfig, placement: WeightPlacement): { weight: WeightLookup; quantised: QuantisedLookup } {
  const tensors = new Map<string, Tensor>();
  for (const spec of frozenWeightSpecs(config, placement.quant)) {
    const dtype = spec.dtype ?? g.dtype;
    if (placement.kind === 'inputs') tensors.set(spec.name, g.input(io.frozen(spec.name), spec.shape, dtype));
    else {
      const data = placement.weights.get(spec.name);
      if (!data) throw new Error(`weight '${spec.name}' missing from the initialiser map`);
      tensors.set(spec.name, g.constant(data, spec.shape, dtype));
    }
  }
  return frozenLookups(config, placement.quant, (name) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`no weight '${name}' in this config`);
    return t;
  });
}

/** declareFrozen's float32 lookup (graphs whose weights are all float32). */
export function declareWeights(g: Graph, config: LlamaConfig, placement: WeightPlacement): WeightLookup {
  return declareFrozen(g, config, placement).weight;
}

/** Per layer 'shared.<l>.key/value' (1, KV, L, D): the cache of a prefix every row attends to. */
function declareShared(g: Graph, config: LlamaConfig): KeyValue[] {
  const { numKvHeads: KV, headDim: D } = config;
  return Array.from({ length: config.numLayers }, (_, l) => ({
    key: g.input(io.sharedKey(l), [1, KV, 'L', D]),
    value: g.input(io.sharedValue(l), [1, KV, 'L', D]),
  }));
}

export function declareLora(g: Graph, config: LlamaConfig, settings: LoraSettings, name = io.lora): LoraBinding {
  const params = Object.fromEntries(loraParamSpecs(config, settings).map((s) => [s.name, g.input(name(s.name), s.shape)]));
  return { settings, params, scale: g.input(io.adapterScale, []) };
}

/** Decoder-step graph: prefill (P = 0 with an empty cache) or decode (T = 1), by the shapes fed. */
export function decoderGraph(config: LlamaConfig, options: DecoderGraphOptions): Uint8Array {
  const g = new Graph('float32');
  const ids = g.input(io.ids, ['B', 'T'], 'int64');
  const positions = g.input(io.positions, ['B', 'T'], 'int64');
  const mask = g.input(io.mask, ['B', 'T', options.cache ? TOTAL : 'T'], 'bool');
  const { numKvHeads: KV, headDim: D } = config;
  const past: KeyValue[] | undefined = options.cache
    ? Array.from({ length: config.numLayers }, (_, l) => ({
        key: g.input(io.pastKey(l), ['B', KV, PAST, D]),
        value: g.input(io.pastValue(l), ['B', KV, PAST, D]),
      }))
    : undefined;
  const shared = options.sharedPrefix ? declareShared(g, config) : undefined;
  const frozen = declareFrozen(g, config, options.weights);
  let lora = options.lora ? declareLora(g, config, options.lora) : undefined;
  if (lora && lora.settings.dropout > 0) {
    const seeds = g.input(io.dropoutSeed, ['B']);
    const ratio = g.input(io.dropoutRatio, []);
    lora = { ...lora, dropout: (x, layer, target) => loraDropout(x, ratio, seeds, positions, loraSite(layer, target)) };
  }
  const model = new LlamaBuilder(config, frozen.weight, lora, frozen.quantised);
  const { hidden, present } = model.decode({ ids, positions, mask, ...(past ? { past } : {}), ...(shared ? { shared } : {}) });
  const last = options.logits === 'last' ? gather(hidden, dimProduct(g, ['T-1'], 'int64'), 1) : hidden; // (B,C) or (B,T,C)
  const bias = options.logitBias ? g.input(io.logitBias, [config.vocabSize]) : undefined;
  const outputs: Record<string, Tensor> = { logits: model.logits(last, bias) };
  if (options.cache) {
    present.forEach((kv, l) => {
      outputs[io.presentKey(l)] = kv.key;
      outputs[io.presentValue(l)] = kv.value;
    });
  }
  return emitModel(g, outputs, { name: 'llama_decoder' });
}

/**
 * Scoring graph: summed log-probabilities of target tokens, (B). Inputs as the full decoder plus 'targets'
 * (B,T) int64 (the next token at each position) and 'target_mask' (B,T) float (1 where a target counts).
 * With `sharedPrefix` (prompt-prefix reuse) also 'shared.<l>.key/value' (1, KV, L, D), the prefix's cache
 * from a decoder prefill; row tokens then sit at positions L, L+1, ...
 */
export function scoringGraph(config: LlamaConfig, weights: WeightPlacement, lora?: LoraSettings, options: { sharedPrefix?: boolean; logitBias?: boolean } = {}): Uint8Array {
  const g = new Graph('float32');
  const ids = g.input(io.ids, ['B', 'T'], 'int64');
  const positions = g.input(io.positions, ['B', 'T'], 'int64');
  const mask = g.input(io.mask, ['B', 'T', 'T'], 'bool');
  const targets = g.input('targets', ['B', 'T'], 'int64');
  const targetMask = g.input('target_mask', ['B', 'T']);
  const shared = options.sharedPrefix ? declareShared(g, config) : undefined;
  const frozen = declareFrozen(g, config, weights);
  const model = new LlamaBuilder(config, frozen.weight, lora ? declareLora(g, config, lora) : undefined, frozen.quantised);
  const { hidden } = model.decode({ ids, positions, mask, ...(shared ? { shared } : {}) });
  const name = shared ? 'llama_score_shared_prefix' : 'llama_score';
  const bias = options.logitBias ? g.input(io.logitBias, [config.vocabSize]) : undefined;
  return emitModel(g, { logprob: sequenceLogProb(model.logits(hidden, bias), targets, targetMask) }, { name });
}

/**
 * Next-token log-probabilities after each row, (B, V): the decoder on right-padded rows with 'last_index' (B)
 * int64 naming each row's last real position; logits are computed there only. With `sharedPrefix`, rows
 * continue the 'shared.<l>.key/value' cache (classification: one row per example, every label read off it).
 */
export function nextTokenGraph(config: LlamaConfig, weights: WeightPlacement, lora?: LoraSettings, options: { sharedPrefix?: boolean; logitBias?: boolean } = {}): Uint8Array {
  const g = new Graph('float32');
  const ids = g.input(io.ids, ['B', 'T'], 'int64');
  const positions = g.input(io.positions, ['B', 'T'], 'int64');
  const mask = g.input(io.mask, ['B', 'T', 'T'], 'bool');
  const lastIndex = g.input('last_index', ['B'], 'int64');
  const shared = options.sharedPrefix ? declareShared(g, config) : undefined;
  const frozen = declareFrozen(g, config, weights);
  const model = new LlamaBuilder(config, frozen.weight, lora ? declareLora(g, config, lora) : undefined, frozen.quantised);
  const { hidden } = model.decode({ ids, positions, mask, ...(shared ? { shared } : {}) }); // (B,T,C)
  const C = config.hiddenSize;
  const at = expand(unsqueeze(lastIndex, [1, 2]), ['B', 1, C]); // (B,1,C)
  const last = reshape(gatherElements(hidden, at, 1), ['B', C]); // (B,C)
  const bias = options.logitBias ? g.input(io.logitBias, [config.vocabSize]) : undefined;
  return emitModel(g, { next_logprob: logSoftmax(model.logits(last, bias), -1) }, { name: 'llama_next_token' });
}
