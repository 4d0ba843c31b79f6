// Baseline `greedy-memory`: layers fill the devices in a fixed order (desk order) until memory
// is full, first fit: each pipeline (app order) starts at the first device and puts as many of
// its next layers there as still fit beside everything placed, then moves on to the next device.

import type { Assignment } from '../evaluate.js';
import type { PlanProblem } from '../problem.js';
import { fillInOrder, type Unplaced } from './placement.js';

export function planGreedyMemory(pr: PlanProblem): { assignment: Assignment; unplaced: Unplaced[] } {
  return fillInOrder(pr, pr.devices.map((d) => d.index), (model) => `model ${model}: the devices are full before its last layer`);
}
