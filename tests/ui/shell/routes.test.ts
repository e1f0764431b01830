// Hash routes: every view parses and formats back to itself; unknown or malformed hashes are 'not-found', never a throw.
import { describe, expect, it } from 'vitest';
import { type Route, formatRoute, parseRoute } from '../../../src/ui/shell/routes';

describe('routes', () => {
  it('round-trips every view', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const routes: Route[] = [
      { view: 'setup' },
      { view: 'runs' },
      { view: 'toy' },
      { view: 'exact-toy' },
      { view: 'run', runId: id },
      { view: 'classroom', runId: null },
      { view: 'classroom', runId: id },
      { view: 'compare', runIds: [id, 'b-2', 'c.3'] },
    ];
    for (const r of routes) expect(parseRoute(formatRoute(r))).toEqual(r);
  });

  it('reads the empty hash and trailing slashes as the setup view or the same view', () => {
    expect(parseRoute('')).toEqual({ view: 'setup' });
    expect(parseRoute('#')).toEqual({ view: 'setup' });
    expect(parseRoute('#/')).toEqual({ view: 'setup' });
    expect(parseRoute('#/runs/')).toEqual({ view: 'runs' });
    expect(parseRoute('#/run/abc/')).toEqual({ view: 'run', runId: 'abc' });
  });

  it('refuses ids with characters outside the run-id alphabet, unknown views and bad escapes', () => {
    for (const hash of ['#/run/', '#/run/a b', '#/run/<script>', '#/run/%E0%A4%A', '#/compare/', '#/compare/a,<b>', '#/nope', '#/setup/extra', '#/exact-toy/extra', `#/run/${'x'.repeat(129)}`]) {
      expect(parseRoute(hash)).toEqual({ view: 'not-found', hash });
    }
  });
});
