// Whether this build serves the demo world's models (public/models/<name>/ with their model cards): the setup view
// offers and selects the demo world only then. One HEAD request per model card; no model is read here.
import { DEMO_MODEL_NAMES, DEMO_ROLES } from '../../demo/world/recipes';
import { demoModelsUrl } from '../run/run-spec';

export async function demoWorldServed(fetchFn: typeof fetch = fetch): Promise<boolean> {
  try {
    const answers = await Promise.all(DEMO_ROLES.map((role) => fetchFn(new URL(`${DEMO_MODEL_NAMES[role]}/README.md`, demoModelsUrl()), { method: 'HEAD' })));
    return answers.every((r) => r.ok);
  } catch {
    return false;
  }
}
