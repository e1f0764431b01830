// Classroom mode's controls on a scripted run (a test double of LabRun: a status and a step counter): Next step makes
// exactly one classroom step and only when the run waits; auto-play steps until the run is done (then the lab's queue
// moves on) or until stopped, also mid-pause; a run stepping by itself is paused, never one stepping for us; a
// stopped run has its models loaded unless another run holds them or its models are unknown.
import { describe, expect, it } from 'vitest';
import { ClassroomPlayer } from '../../../src/ui/classroom/classroom.svelte';
import type { Lab } from '../../../src/ui/lab.svelte';
import type { LabRun, RunStatus } from '../../../src/ui/run/lab-run.svelte';

class ScriptedRun {
  status: RunStatus = 'paused';
  runId: string | null = 'r1';
  spec: object | null = {};
  title = 'run one';
  steps = 0;
  pauses = 0;
  loads = 0;
  seenWhileStepping: RunStatus[] = [];
  constructor(
    private readonly lastStep: number,
    private readonly onStep: (run: ScriptedRun) => void = () => undefined,
  ) {}
  get holdsModels(): boolean {
    return ['loading', 'calibrating', 'ready', 'paused', 'running', 'pausing', 'stopping'].includes(this.status);
  }
  /** Unlike LabRun, steps whatever its status: the player alone must hold back. */
  async classroomStep(): Promise<void> {
    this.status = 'running';
    this.onStep(this);
    await new Promise((r) => setTimeout(r, 1));
    this.steps++;
    this.status = this.steps >= this.lastStep ? 'done' : 'paused';
  }
  pause(): void {
    this.pauses++;
    this.status = 'pausing';
  }
  async load(): Promise<void> {
    this.loads++;
    this.status = 'ready';
  }
}

function lab(runs: ScriptedRun[]): Lab & { advances: number } {
  const l = { runs, advances: 0, async advance() { l.advances++; } };
  return l as unknown as Lab & { advances: number };
}

const player = (run: ScriptedRun, others: ScriptedRun[] = []) => {
  const l = lab([run, ...others]);
  return { p: new ClassroomPlayer(l, run as unknown as LabRun), l };
};

describe('ClassroomPlayer', () => {
  it('Next step makes exactly one step, and none unless the run waits for it', async () => {
    const run = new ScriptedRun(10);
    const { p } = player(run);
    await p.next();
    expect([run.steps, run.status]).toEqual([1, 'paused']);
    run.status = 'loading';
    await p.next();
    expect(run.steps).toBe(1);
  });

  it('auto-play steps until the run is done, then lets the lab move its queue on', async () => {
    const run = new ScriptedRun(3);
    const { p, l } = player(run);
    p.paceMs = 0;
    await p.play();
    expect([run.steps, run.status, p.playing, l.advances]).toEqual([3, 'done', false, 1]);
  });

  it('stop ends auto-play at once between steps and after the step in progress', async () => {
    const run = new ScriptedRun(100);
    const { p } = player(run);
    p.paceMs = 60_000;
    const playing = p.play();
    await new Promise((r) => setTimeout(r, 20)); // one step made, now waiting a minute
    p.stop();
    await playing;
    expect([run.steps, p.playing]).toEqual([1, false]);

    const mid = new ScriptedRun(100, (r) => r.steps === 1 && q.p.stop());
    const q = player(mid);
    q.p.paceMs = 0;
    await q.p.play();
    expect(mid.steps).toBe(2); // stopped during its second step: that step finishes, no third
  });

  it('pauses a run that steps by itself, never one stepping for the classroom', async () => {
    const run = new ScriptedRun(10, (r) => {
      p.holdStill();
      r.seenWhileStepping.push(r.status);
    });
    const { p } = player(run);
    await p.next();
    expect([run.pauses, run.seenWhileStepping]).toEqual([0, ['running']]);
    run.status = 'running'; // started from Setup
    p.holdStill();
    expect([run.pauses, run.status]).toEqual([1, 'pausing']);
  });

  it('loads a stopped run’s models unless another run holds models or the run’s models are unknown', async () => {
    const stopped = new ScriptedRun(10);
    stopped.status = 'stopped';
    const busy = new ScriptedRun(10);
    busy.title = 'the other run';
    const blocked = player(stopped, [busy]);
    await blocked.p.prepare();
    expect([stopped.loads, blocked.p.blocked]).toEqual([0, 'Another run (the other run) is using the models: stop it in its run view first.']);

    busy.status = 'stopped';
    await blocked.p.prepare();
    expect([stopped.loads, stopped.status, blocked.p.blocked, blocked.p.canStep]).toEqual([1, 'ready', null, true]);

    const unknown = new ScriptedRun(10);
    unknown.status = 'stopped';
    unknown.spec = null;
    const u = player(unknown);
    await u.p.prepare();
    expect(unknown.loads).toBe(0);
    expect(u.p.blocked).toMatch(/does not have this run’s models and task/);
  });
});
