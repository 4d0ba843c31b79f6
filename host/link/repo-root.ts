// The repository root, for the link layer and the tools that reach it here (host/common/repo-root.ts).
export { repoRoot } from '../common/repo-root.js';
