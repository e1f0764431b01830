// The page's first module (index.html loads it before src/main.ts; in the build both are one entry, this one
// evaluated first): inserts the narrow Content-Security-Policy for connections, from the hosts the user enabled
// (src/ui/shell/connect-policy.ts). It runs before any code of the lab can make a request; index.html's static
// policy is the outer bound, and the two intersect. Nothing else happens here.
import { CONNECT_META_ATTRIBUTE, connectPolicy, readNetworkSettings } from './ui/shell/connect-policy';

const meta = document.createElement('meta');
meta.httpEquiv = 'Content-Security-Policy';
meta.content = connectPolicy(readNetworkSettings(), location.origin);
meta.setAttribute(CONNECT_META_ATTRIBUTE, '');
document.head.append(meta);
