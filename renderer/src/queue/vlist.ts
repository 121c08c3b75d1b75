// Framework-free window maths for a list of fixed-height rows. The spacer's height is capped
// below the browsers' element-size limit; past the cap, scroll positions map proportionally.
export const MAX_SCROLL_PX = 8_000_000;

export interface Window {
  start: number;
  end: number;
  /** Top (px inside the spacer) of row `start`. */
  top: number;
  spacer: number;
}

export function windowFor(count: number, rowHeight: number, viewport: number, scrollTop: number, overscan = 6): Window {
  const real = count * rowHeight;
  const spacer = Math.min(real, MAX_SCROLL_PX);
  if (count === 0) return { start: 0, end: 0, top: 0, spacer };
  const realRange = Math.max(0, real - viewport);
  const virtRange = Math.max(0, spacer - viewport);
  const st = Math.min(Math.max(0, scrollTop), virtRange);
  const offset = virtRange > 0 && realRange !== virtRange ? (st / virtRange) * realRange : st;
  const first = Math.floor(offset / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + Math.ceil(viewport / rowHeight) + 1 + overscan);
  return { start, end, top: start * rowHeight - offset + st, spacer };
}
