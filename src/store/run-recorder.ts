// Records one run as it steps: creates it, journals each target-LM answer of the step in progress (so a crash
// mid-step costs no call twice: the resumed step is answered from the journal, and the reward cache counts that
// answer once, as the uninterrupted run did), commits each completed step with its checkpoint, and keeps the last
// committed state and checkpoint so the engine can rewind its in-memory run when a commit fails. Persistence
// only: running steps is the engine's (src/engines/lab-engine.ts).
import type { StepEvent } from '../gflow/events';
import type { GflowpoRunState } from '../gflow/run';
import type { PromptEvaluation, SplitName, TargetLM } from '../tasks/evaluate';
import type { Example, Task } from '../tasks/task';
import { type RunRecord, type RunSnapshot, type RunStatus, cacheKey, runStateOf } from './records';
import type { RunRepository } from './repository';
import { type CommittedHead, type RunIdentity, emptySnapshot, headAfter, headOf, newRunRecord, stepCommit } from './step-commit';

/** A target-LM answer as the journal keeps it. */
export interface JournalledAnswer {
  score: number;
  perExample: number[] | null;
}

/** Each example's score of an evaluation in split order, or null when the target did not report them. */
export type PerExample = (task: Task, split: SplitName, evaluation: PromptEvaluation) => number[] | null;

export class RunRecorder {
  private readonly journal = new Map<string, JournalledAnswer>();

  private constructor(
    private readonly repository: RunRepository,
    private head: CommittedHead,
    private state: GflowpoRunState,
    private checkpoint: Uint8Array | null,
  ) {}

  /** Writes a new run (its settings, streams and initial checkpoint: the step-0 commit). */
  static async create(repository: RunRepository, identity: RunIdentity, state: GflowpoRunState, checkpoint: Uint8Array, now: number): Promise<RunRecorder> {
    const run = newRunRecord(identity, state);
    await repository.create(emptySnapshot(run));
    const recorder = new RunRecorder(repository, { run, heap: [] }, state, null);
    await recorder.commit(state, [], checkpoint, 'paused', now);
    return recorder;
  }

  /** Continues a stored run: its last committed state and checkpoint, and the journal of its interrupted step. */
  static async resume(repository: RunRepository, snapshot: RunSnapshot): Promise<RunRecorder> {
    const recorder = new RunRecorder(repository, headOf(snapshot), runStateOf(snapshot), snapshot.checkpoint?.bytes ?? null);
    // Only answers of the step after the last commit (older lines belong to a step that committed after all).
    for (const p of await repository.pending(snapshot.run.id)) if (p.step === snapshot.run.step + 1) recorder.journal.set(p.key, { score: p.score, perExample: p.perExample });
    return recorder;
  }

  get runId(): string {
    return this.head.run.id;
  }

  get record(): RunRecord {
    return this.head.run;
  }

  /** The state and checkpoint of the last committed step (what a failed step rewinds to). */
  committed(): { state: GflowpoRunState; checkpoint: Uint8Array | null } {
    return { state: structuredClone(this.state), checkpoint: this.checkpoint };
  }

  /** Answers journalled for the step in progress. */
  get journalled(): number {
    return this.journal.size;
  }

  /**
   * The target the run scores with: a journalled answer when there is one (the call was made before a crash or a
   * failed commit), else the real target, whose answer is journalled before it is returned.
   */
  target(inner: TargetLM, perExample: PerExample): TargetLM {
    const recorder = this;
    return {
      get id() {
        return inner.id;
      },
      get calls() {
        return inner.calls;
      },
      async evaluate(task: Task, prompt: string, split: SplitName, examples?: readonly Example[]): Promise<PromptEvaluation> {
        if (examples) return inner.evaluate(task, prompt, split, examples);
        const key = cacheKey({ prompt, task: task.id, split, target: inner.id, template: task.template });
        const saved = recorder.journal.get(key);
        const total = task.splits[split].length;
        if (saved) return { task: task.name, split, score: saved.score, total, predictions: [] };
        const evaluation = await inner.evaluate(task, prompt, split);
        const answer = { score: evaluation.score, perExample: perExample(task, split, evaluation) };
        recorder.journal.set(key, answer);
        await recorder.repository.putPending({ runId: recorder.runId, key, step: recorder.head.run.step + 1, ...answer });
        return evaluation;
      },
    };
  }

  /** Commits a completed step (or the final selection); on failure nothing was written and this stays where it was. */
  async commit(state: GflowpoRunState, events: readonly StepEvent[], checkpoint: Uint8Array | null, status: RunStatus, now: number): Promise<void> {
    const commit = stepCommit(this.head, { state, events, checkpoint, status, now, perExample: (key) => this.journal.get(key)?.perExample ?? null });
    await this.repository.commit(commit, { step: this.head.run.step, events: this.head.run.counts.events });
    this.head = headAfter(this.head, commit);
    this.state = structuredClone(state);
    if (checkpoint) this.checkpoint = checkpoint;
    this.journal.clear();
  }

  /**
   * After a step that could not be committed: the journal is dropped from the store (it is as it was before the
   * step) but kept in memory, so retrying the step here makes no target-LM call twice.
   */
  async abandonStep(): Promise<void> {
    await this.repository.clearPending(this.runId);
  }

  async setStatus(status: RunStatus, error: string | null = null): Promise<void> {
    this.head = { ...this.head, run: await this.repository.setStatus(this.runId, status, error) };
  }
}
