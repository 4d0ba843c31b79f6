// Synergy's planning clock: this process's CPU time, not wall time. Its budgets and deadlines
// count the work the planner does, so the same instance gets the same search (and the same
// plan) on an idle machine and on one where other processes take most of the cores; the wall
// time a plan takes is still measured (planning_ms) and grows with the load.

/** CPU milliseconds this process has used (user and system). */
export function planNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
