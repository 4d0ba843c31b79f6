// The repository root lives in host/repo-root.ts (every layer uses it, the link layer none of
// it); this name stays for the importers that still use it.
export { repoRoot } from '../repo-root.js';
