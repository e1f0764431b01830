// The current route as Svelte state, kept equal to location.hash (back/forward work; links are plain <a href="#/…">).
import { type Route, formatRoute, parseRoute } from './routes';

export class Router {
  route = $state<Route>(parseRoute(typeof location === 'undefined' ? '' : location.hash));
  #onHashChange = () => {
    this.route = parseRoute(location.hash);
  };

  constructor() {
    window.addEventListener('hashchange', this.#onHashChange);
  }

  /** Moves to `route` (a new history entry; `replace` overwrites the current one). */
  go(route: Route, options: { replace?: boolean } = {}): void {
    const hash = formatRoute(route);
    if (options.replace) history.replaceState(history.state, '', hash);
    else if (location.hash !== hash) location.hash = hash;
    this.route = parseRoute(hash);
  }

  dispose(): void {
    window.removeEventListener('hashchange', this.#onHashChange);
  }
}
