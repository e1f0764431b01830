// The GFlowNet training objective of GFlowPO as a TrainableModel: LoRA on the prompt-LM, per micro-batch
//   logZ' = decay * logZ + (1 - decay) * mean_b(logR - stopgrad(logPF))   (decay 0: logZ' is the batch mean)
//   loss  = mean_b((stopgrad(logZ') + logPF - logR)^2)
// over (meta-prompt, prompt) rows. Gradients reach the LoRA weights only; logZ carries none. Logits and
// log-softmax are computed at the prompt tokens' positions only (never over the meta-prompt). With `sharedPrefix`
// the rows' common meta-prompt prefix runs once (batch 1) and every row attends to its keys and values, so the
// prefix costs one row instead of B in the forward and the backward (its gradient sums over the rows); its LoRA
// dropout masks are then one row's, shared by all (as in sampling with prefix reuse).
import type { Graph, Tensor } from '../../autodiff/ir';
import { add, mul, reduceMean, stopGradient, sub } from '../../autodiff/ops';
import type { TrainableModel } from '../../onnx/bundle';
import { LlamaBuilder } from './builder';
import { loraDropout } from './lora-dropout';
import { logProbAtPositions } from './target-positions';
import { type QuantFormat, frozenLookups, frozenWeightSpecs } from './quantised-weights';
import type { LlamaConfig } from './types';
import { type LoraSettings, type LoraTarget, loraParamSpecs, loraSite } from './lora';

/** Batch inputs of the objective (host packing: packPositioned in target-positions.ts). */
export const gflownetInputs = {
  ids: 'input_ids', // (B,T) int64 meta-prompt then prompt, right-padded
  positions: 'position_ids', // (B,T) int64
  mask: 'attn_mask', // (B,T,T) bool
  targetIndex: 'target_index', // (B,N) int64 the position predicting each prompt token
  targets: 'targets', // (B,N) int64 the prompt tokens
  targetMask: 'target_mask', // (B,N) 1 where a prompt token counts
  logReward: 'log_reward', // (B) logR of each row's prompt
  logZ: 'logz', // () the running estimate before this micro-batch (any value when decay is 0)
  logZDecay: 'logz_decay', // () 0 on the run's first micro-batch and under pure VarGrad; 0.99 by default after
  dropoutSeed: 'dropout_seed', // (B) row seeds of the LoRA dropout masks (with dropout > 0)
  prefixIds: 'prefix_ids', // (1,L) int64 with sharedPrefix: the rows' common prefix; rows then hold what follows it
  prefixPositions: 'prefix_position_ids', // (1,L) int64 0..L-1 (the rows' positions start at L)
  prefixMask: 'prefix_attn_mask', // (1,L,L) bool causal
  prefixDropoutSeed: 'prefix_dropout_seed', // (1) the prefix's dropout row seed (with dropout > 0)
  logitBias: 'logit_bias', // (V) with a restricted vocabulary: -1e9 on tokens a prompt may not contain
};

/** Extra outputs of each grad run: logZ after this micro-batch, and logPF (B) of its rows. */
export const gflownetOutputs = { logZNext: 'logz_next', logPF: 'log_pf' };

/** options.quant: the frozen base held quantised (its matmuls MatMulNBits; gradients reach the float32 adapter through them). */
export function gflownetModel(config: LlamaConfig, lora: LoraSettings, options: { logitBias?: boolean; quant?: QuantFormat; sharedPrefix?: boolean } = {}): TrainableModel {
  return {
    name: 'gflownet-lora',
    params: loraParamSpecs(config, lora),
    frozen: frozenWeightSpecs(config, options.quant),
    forward(g: Graph, params: Readonly<Record<string, Tensor>>, frozen: Readonly<Record<string, Tensor>>) {
      const n = gflownetInputs;
      const ids = g.input(n.ids, ['B', 'T'], 'int64');
      const positions = g.input(n.positions, ['B', 'T'], 'int64');
      const mask = g.input(n.mask, ['B', 'T', 'T'], 'bool');
      const targetIndex = g.input(n.targetIndex, ['B', 'N'], 'int64');
      const targets = g.input(n.targets, ['B', 'N'], 'int64');
      const targetMask = g.input(n.targetMask, ['B', 'N']);
      const logR = g.input(n.logReward, ['B']);
      const logZ = g.input(n.logZ, []);
      const decay = g.input(n.logZDecay, []);
      const base = frozenLookups(config, options.quant, (name) => frozen[name]!);
      const scale = g.scalar(lora.alpha / lora.rank);
      /** A builder whose LoRA dropout masks follow `seedName`'s row seeds at `at` positions. */
      const builder = (seedName: string, rows: number | string, at: Tensor): LlamaBuilder => {
        const seeds = lora.dropout > 0 ? g.input(seedName, [rows]) : undefined;
        return new LlamaBuilder(config, base.weight, {
          settings: lora,
          params,
          scale,
          ...(seeds ? { dropout: (x: Tensor, layer: number, target: LoraTarget) => loraDropout(x, lora.dropout, seeds, at, loraSite(layer, target)) } : {}),
        }, base.quantised);
      };
      let shared: ReturnType<LlamaBuilder['decode']>['present'] | undefined;
      if (options.sharedPrefix) {
        const prefixPositions = g.input(n.prefixPositions, [1, 'L'], 'int64');
        const prefix = builder(n.prefixDropoutSeed, 1, prefixPositions).decode({
          ids: g.input(n.prefixIds, [1, 'L'], 'int64'),
          positions: prefixPositions,
          mask: g.input(n.prefixMask, [1, 'L', 'L'], 'bool'),
        });
        shared = prefix.present; // per layer (1,KV,L,D)
      }
      const model = builder(n.dropoutSeed, 'B', positions);
      const { hidden } = model.decode({ ids, positions, mask, ...(shared ? { shared } : {}) }); // (B,T,C)
      const bias = options.logitBias ? g.input(n.logitBias, [config.vocabSize]) : undefined;
      const logPF = logProbAtPositions(model, hidden, targetIndex, targets, targetMask, bias); // (B)
      const batchMean = reduceMean(sub(logR, stopGradient(logPF))); // ()
      const logZNext = add(mul(decay, logZ), mul(sub(g.scalar(1), decay), batchMean)); // ()
      const residual = sub(add(stopGradient(logZNext), logPF), logR); // (B)
      return {
        loss: reduceMean(mul(residual, residual)),
        outputs: { [gflownetOutputs.logPF]: logPF },
        stepOutputs: { [gflownetOutputs.logZNext]: logZNext, [gflownetOutputs.logPF]: stopGradient(logPF) },
      };
    },
  };
}
