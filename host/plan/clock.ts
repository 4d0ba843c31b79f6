// Synergy's planning clock: this process's CPU time, not wall time. Its budgets and deadlines
// count the work the planner does, so the same instance gets the same search (and the same
// plan) on an idle machine and on one where other processes take most of the cores; the wall
// time a plan takes is still measured (planning_ms) and grows with the load.

/**
 * process.cpuUsage is a system call and the planner asks in its inner loops (it was a tenth of a
 * search's time), so one reading serves for REREAD_MS of wall time, advanced by the wall time
 * since: a search cannot use more CPU than the wall time it runs, so the clock never runs ahead
 * by more than REREAD_MS.
 */
const REREAD_MS = 0.5;

let readAtWall = Number.NEGATIVE_INFINITY;
let readCpu = 0;
let last = 0;

/** CPU milliseconds this process has used (user and system); never decreases. */
export function planNow(): number {
  const wall = performance.now();
  const since = wall - readAtWall;
  if (since >= REREAD_MS) {
    const u = process.cpuUsage();
    readCpu = (u.user + u.system) / 1000;
    readAtWall = wall;
    last = Math.max(last, readCpu);
  } else {
    last = Math.max(last, readCpu + since);
  }
  return last;
}
