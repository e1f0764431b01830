// The lab's views as hash routes (#/setup, #/run/<id>, #/runs, #/compare/<id>,<id>…, #/classroom, #/toy, #/exact-toy): parse and
// format, nothing else. Hash routes need no server support, so the built app works from any static host and offline.

export type Route =
  | { view: 'setup' }
  | { view: 'run'; runId: string }
  | { view: 'runs' }
  | { view: 'compare'; runIds: string[] }
  | { view: 'toy' }
  | { view: 'exact-toy' }
  | { view: 'classroom'; runId: string | null }
  | { view: 'not-found'; hash: string };

export const DEFAULT_ROUTE: Route = { view: 'setup' };

/** Run ids are opaque, but only these characters travel in a route (anything else is not a run of ours). */
const RUN_ID = /^[A-Za-z0-9._~-]{1,128}$/;

/** The route of `location.hash` ('' and '#/' are the setup view). Unknown hashes become 'not-found', never an exception. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/^\/+/, '').replace(/\/+$/, '');
  if (path === '') return DEFAULT_ROUTE;
  const [head, ...rest] = path.split('/');
  const arg = rest.join('/');
  let id: string;
  try {
    id = decodeURIComponent(arg);
  } catch {
    return { view: 'not-found', hash };
  }
  switch (head) {
    case 'setup':
      return rest.length === 0 ? { view: 'setup' } : { view: 'not-found', hash };
    case 'runs':
      return rest.length === 0 ? { view: 'runs' } : { view: 'not-found', hash };
    case 'toy':
      return rest.length === 0 ? { view: 'toy' } : { view: 'not-found', hash };
    case 'exact-toy':
      return rest.length === 0 ? { view: 'exact-toy' } : { view: 'not-found', hash };
    case 'run':
      return RUN_ID.test(id) ? { view: 'run', runId: id } : { view: 'not-found', hash };
    case 'classroom':
      if (rest.length === 0) return { view: 'classroom', runId: null };
      return RUN_ID.test(id) ? { view: 'classroom', runId: id } : { view: 'not-found', hash };
    case 'compare': {
      const ids = arg.split(',').filter((x) => x !== '');
      return ids.length >= 1 && ids.every((x) => RUN_ID.test(x)) ? { view: 'compare', runIds: ids } : { view: 'not-found', hash };
    }
    default:
      return { view: 'not-found', hash };
  }
}

/** The hash of a route; parseRoute(formatRoute(r)) equals r for every route but 'not-found'. */
export function formatRoute(route: Route): string {
  switch (route.view) {
    case 'setup':
    case 'runs':
    case 'toy':
    case 'exact-toy':
      return `#/${route.view}`;
    case 'run':
      return `#/run/${route.runId}`;
    case 'classroom':
      return route.runId === null ? '#/classroom' : `#/classroom/${route.runId}`;
    case 'compare':
      return `#/compare/${route.runIds.join(',')}`;
    case 'not-found':
      return route.hash;
  }
}

export function isRunId(id: string): boolean {
  return RUN_ID.test(id);
}
