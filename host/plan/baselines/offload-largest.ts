// Baseline `offload-largest`: everything goes to the device with the largest accelerator
// (a MAX78002 when there is one). A model is split only when that device cannot hold it (beside
// what is already there): the largest device takes the longest prefix it can hold, the next
// largest the longest continuation, and so on. Pipelines in app order.

import type { Assignment } from '../evaluate.js';
import type { PlanProblem } from '../problem.js';
import { byCapability, fillInOrder, type Unplaced } from './placement.js';

export function planOffloadLargest(pr: PlanProblem): { assignment: Assignment; unplaced: Unplaced[] } {
  return fillInOrder(pr, byCapability(pr), (model) => `model ${model} does not fit even across all accelerators beside the other pipelines`);
}
