// The exact toy's schedule as numbers the page and the engine share (pure: importing it loads no model).
//
// Why 300 steps (4 x 8 prompts each, lr 1e-2 decaying linearly to ~0 over the run, engine.ts): the page's claim is
// that both samplers end within total variation 0.05 of R/Z for any seed. Measured in Node (wasm, 1 thread) on the
// page's default reward (rewards.ts 'letters'), final TV after 300 steps, seeds 1-12:
//   on-policy   0.0043 0.0049 0.0022 0.0017 0.0071 0.0076 0.0030 0.0052 0.0040 0.0055 0.0040 0.0046 (max 0.0076)
//   with replay 0.0053 0.0045 0.0027 0.0020 0.0050 0.0071 0.0039 0.0108 0.0107 0.0046 0.0071 0.0069 (max 0.0108)
// At 150 steps (seeds 1-8) the worst was 0.0425 (seed 6, on-policy): too close to the goal, so the page keeps 300,
// which also matches tests/gflow/toy-distribution.test.ts (300 steps, 40 seeds, max 0.0195). TV falls below 0.05
// around step 100-150 of 300 (the curve on the page). One variant costs about 4-7 s of CPU for 300 steps in Node.

/** Steps of a page run (the first EXACT_TOY_WARMUP fill the replay buffer without updates). */
export const EXACT_TOY_STEPS = 300;
export const EXACT_TOY_WARMUP = 4;
/** Updates over which the learning rate rises to 1e-2 (see the header: 1 update let some seeds overshoot). */
export const EXACT_TOY_LR_WARMUP = 20;
/** Steps a run allows: at least a few updates after the warm-up; at most about a minute of wasm. */
export const EXACT_TOY_MIN_STEPS = 10;
export const EXACT_TOY_MAX_STEPS = 2000;
/** Seeds are 32-bit (the run's generator). */
export const EXACT_TOY_MAX_SEED = 4294967295;
