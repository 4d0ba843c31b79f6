// How long a pipeline went without a delivery over a span (delivery-gaps.ts): what run.json
// reports as the other pipelines' stall while a board is lost.

import { describe, expect, it } from 'vitest';
import { DeliveryGaps } from '../../host/runtime/delivery-gaps.js';

describe('the longest gap between deliveries over a span', () => {
  const gaps = new DeliveryGaps();
  for (const at of [0, 10, 20, 30, 400, 410, 420, 1420, 1430]) gaps.delivered('p', at);

  it('is the longest gap inside the span, clipped at its ends', () => {
    expect(gaps.longestGap('p', 0, 2000)).toBe(1000); // 420 -> 1420
    expect(gaps.longestGap('p', 25, 405)).toBe(370); // 30 -> 400
    expect(gaps.longestGap('p', 1000, 1200)).toBe(200); // inside 420 -> 1420
    expect(gaps.longestGap('p', 0, 35)).toBe(5); // 30 -> 400, clipped (gaps under 50 ms are not kept)
  });

  it('counts the time since the last delivery when the span runs past it', () => {
    expect(gaps.longestGap('p', 1425, 3430)).toBe(2000);
  });

  it('is the whole span for a pipeline that never delivered', () => {
    expect(gaps.longestGap('q', 100, 600)).toBe(500);
  });
});
