// Setup's Connections: what the next load allows (the hub with the mirrors entered, the remote target's origin
// only while the target-LM is a server and the user allowed it), and whether that differs from the policy in force.
import { describe, expect, it } from 'vitest';
import { ModelSlot } from '../../../src/ui/setup/model-slot.svelte';
import { NetworkState } from '../../../src/ui/setup/network.svelte';

const SELF = 'http://127.0.0.1:4173';

function network(stored = { hub: false, hubMirrors: [] as string[], target: null as string | null }, applied: string[] | null = ["'self'"]) {
  const target = new ModelSlot('target');
  const inputs = { hubHost: null as string | null, datasetsServer: '', target };
  return { state: new NetworkState(() => inputs, stored, applied, SELF), inputs, target };
}

describe('the connections to allow', () => {
  it('start from what was stored, and nothing is pending while the choice matches the policy in force', () => {
    const { state } = network();
    expect(state.desired).toEqual({ hub: false, hubMirrors: [], target: null });
    expect(state.pending).toBe(false);
    expect(state.allowsNow('https://huggingface.co/x')).toBe(false);
    expect(state.allowsNow(`${SELF}/assets/a.js`)).toBe(true);
  });

  it('add the hub with the mirrors entered (not our own origin), pending until a reload', () => {
    const { state, inputs } = network();
    inputs.hubHost = 'https://mirror.example/hf';
    inputs.datasetsServer = `${SELF}/test-datasets`;
    expect(state.desired.hubMirrors).toEqual([]);
    state.hub = true;
    expect(state.desired).toEqual({ hub: true, hubMirrors: ['https://mirror.example'], target: null });
    expect(state.pending).toBe(true);
    expect(state.desiredSources).toEqual(["'self'", 'https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co', 'https://mirror.example']);
  });

  it("add the target server's origin only while the target-LM is a server with a valid URL and the user allows it", () => {
    const { state, target } = network();
    state.targetAllowed = true;
    expect(state.desired.target).toBeNull();
    target.kind = 'openai';
    target.remote.baseUrl = 'not a url';
    expect(state.targetOrigin).toBeNull();
    target.remote.baseUrl = 'http://gpu-box:8000/v1';
    expect(state.desired.target).toBe('http://gpu-box:8000');
    expect(state.pending).toBe(true);
    state.targetAllowed = false;
    expect(state.desired.target).toBeNull();
    expect(state.pending).toBe(false);
  });

  it('read a stored permission as allowed, and say nothing is pending once the page runs under it', () => {
    const { state, target } = network({ hub: false, hubMirrors: [], target: 'http://gpu-box:8000' }, ["'self'", 'http://gpu-box:8000']);
    target.kind = 'openai';
    target.remote.baseUrl = 'http://gpu-box:8000/v1';
    expect(state.targetAllowed).toBe(true);
    expect(state.pending).toBe(false);
    expect(state.allowsNow('http://gpu-box:8000/v1/models')).toBe(true);
    // Without a policy in force (not the lab's page) nothing is pending and nothing is refused.
    expect(network(undefined, null).state.pending).toBe(false);
  });
});
