// The GFlowNet training objective of GFlowPO as a TrainableModel: LoRA on the prompt-LM, loss
// mean((logZ + logPF - logR)^2) over (meta-prompt, prompt) sequences with logZ an EMA of the batch mean of
// logR - logPF (decay 0 gives pure VarGrad). Gradients reach the LoRA weights only; logZ carries none.
import type { Graph, Tensor } from '../../autodiff/ir';
import { add, mul, reduceMean, stopGradient, sub } from '../../autodiff/ops';
import { hashDropout, sequenceLogProb } from '../../autodiff/nn';
import type { TrainableModel } from '../../onnx/bundle';
import { LlamaBuilder } from './builder';
import { graphWeightSpecs } from './weights';
import type { LlamaConfig } from './types';
import { type LoraSettings, loraParamSpecs } from './lora';

/** Batch inputs of the train step, besides ids/positions/mask/targets/target_mask of the sequences. */
export const gflownetInputs = {
  logReward: 'log_reward', // (B) logR of each sequence's prompt
  logZ: 'logz', // () running estimate before this step
  logZDecay: 'logz_decay', // () 0.99 by default; 0 is pure VarGrad
  dropoutSeed: 'dropout_seed', // () a new value each step draws new LoRA dropout masks
  logitBias: 'logit_bias', // (V) with a restricted vocabulary: -1e9 on tokens a prompt may not contain
};

export function gflownetModel(config: LlamaConfig, lora: LoraSettings, options: { logitBias?: boolean } = {}): TrainableModel {
  return {
    name: 'gflownet-lora',
    params: loraParamSpecs(config, lora),
    frozen: graphWeightSpecs(config),
    forward(g: Graph, params: Readonly<Record<string, Tensor>>, frozen: Readonly<Record<string, Tensor>>) {
      const ids = g.input('input_ids', ['B', 'T'], 'int64');
      const positions = g.input('position_ids', ['B', 'T'], 'int64');
      const mask = g.input('attn_mask', ['B', 'T', 'T'], 'bool');
      const targets = g.input('targets', ['B', 'T'], 'int64'); // next token at each position
      const targetMask = g.input('target_mask', ['B', 'T']); // 1 where the target is a prompt token
      const logR = g.input(gflownetInputs.logReward, ['B']);
      const logZ = g.input(gflownetInputs.logZ, []);
      const decay = g.input(gflownetInputs.logZDecay, []);
      const seed = lora.dropout > 0 ? g.input(gflownetInputs.dropoutSeed, []) : undefined;
      let site = 0;
      const model = new LlamaBuilder(config, (name) => frozen[name]!, {
        settings: lora,
        params,
        scale: g.scalar(lora.alpha / lora.rank),
        ...(seed ? { dropout: (x: Tensor) => hashDropout(x, lora.dropout, seed, site++) } : {}),
      });
      const { hidden } = model.decode({ ids, positions, mask });
      const bias = options.logitBias ? g.input(gflownetInputs.logitBias, [config.vocabSize]) : undefined;
      const logPF = sequenceLogProb(model.logits(hidden, bias), targets, targetMask); // (B)
      const batchMean = reduceMean(sub(logR, stopGradient(logPF))); // ()
      const logZNext = add(mul(decay, logZ), mul(sub(g.scalar(1), decay), batchMean)); // ()
      const residual = sub(add(stopGradient(logZNext), logPF), logR); // (B)
      return {
        loss: reduceMean(mul(residual, residual)),
        outputs: { log_pf: logPF },
        stepOutputs: { logz_next: logZNext, log_pf: stopGradient(logPF) },
      };
    },
  };
}
