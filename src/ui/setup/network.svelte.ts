// Setup's "Connections": which hosts the lab may connect to besides its own origin (issues 14.4, 15.4). The user
// enables the Hugging Face hub (with the mirror addresses entered in Setup) and the remote target-LM server (the
// origin of the base URL entered); the choice is kept in localStorage and becomes, on the next load, the narrow
// connect-src that src/csp-boot.ts inserts (src/ui/shell/connect-policy.ts). What is in force now is read from
// that policy in the document; a difference is pending until a reload, which is offered and asks first when a run
// of the lab is open. No DOM beyond reading the policy, the Web Locks query and the reload.
import { lockName } from '../../store/run-lock';
import { type NetworkSettings, allowsConnection, appliedConnectSources, connectSources, httpOrigin, readNetworkSettings, writeNetworkSettings } from '../shell/connect-policy';
import type { ModelSlot } from './model-slot.svelte';

export interface NetworkInputs {
  /** The hub mirror entered in Setup (null: huggingface.co). */
  hubHost: string | null;
  /** The datasets-server mirror entered for hub datasets ('' : the hub's own). */
  datasetsServer: string;
  target: ModelSlot;
}

export class NetworkState {
  hub = $state(false);
  targetAllowed = $state(false);
  /** connect-src in force on this page (null: no narrow policy, e.g. a test page without csp-boot). */
  readonly applied: readonly string[] | null;
  readonly self: string;

  constructor(
    private readonly inputs: () => NetworkInputs,
    stored: NetworkSettings = readNetworkSettings(),
    applied: readonly string[] | null = appliedConnectSources(),
    self: string = globalThis.location?.origin ?? '',
  ) {
    this.hub = stored.hub;
    this.targetAllowed = stored.target !== null;
    this.applied = applied;
    this.self = self;
  }

  /** The remote target's origin when the target-LM is a server with a valid base URL. */
  get targetOrigin(): string | null {
    const target = this.inputs().target;
    return target.kind === 'openai' ? target.remote.origin : null;
  }

  /** Mirror origins that are not this page's (the page's own origin needs nothing). */
  get mirrors(): string[] {
    const { hubHost, datasetsServer } = this.inputs();
    return [hubHost ?? '', datasetsServer].map(httpOrigin).filter((o): o is string => o !== null && o !== this.self);
  }

  /** What the next load applies. */
  get desired(): NetworkSettings {
    return { hub: this.hub, hubMirrors: this.hub ? this.mirrors : [], target: this.targetAllowed ? this.targetOrigin : null };
  }

  get desiredSources(): string[] {
    return connectSources(this.desired, this.self);
  }

  /** The desired hosts differ from those in force: a reload applies them. */
  get pending(): boolean {
    if (this.applied === null) return false;
    const want = this.desiredSources;
    return want.length !== this.applied.length || want.some((s) => !this.applied!.includes(s));
  }

  /** Whether this page may fetch `address` now. */
  allowsNow(address: string): boolean {
    return allowsConnection(this.applied, address, this.self);
  }

  save(): void {
    writeNetworkSettings(this.desired);
  }

  /** Reloads to apply the hosts; asks first when a run of the lab is open (here or in another tab). */
  async reload(): Promise<void> {
    this.save();
    const held = await globalThis.navigator?.locks?.query().then((s) => (s.held ?? []).some((l) => l.name?.startsWith(lockName(''))), () => false);
    if (held && !confirm('A run of the lab is open. Reloading this tab stops a run open here after its last completed step (it stays resumable from the run library). Reload now?')) return;
    location.reload();
  }
}
