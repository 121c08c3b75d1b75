// Moving-average speed over the last few seconds. Callers feed a monotonically growing counter of
// bytes that really moved (reflinked and skipped bytes excluded); speed is the slope over the window.
export class SpeedMeter {
  #samples: { t: number; bytes: number }[] = [];
  constructor(private readonly windowMs = 3000) {}

  sample(bytes: number, t = Date.now()): void {
    const s = this.#samples;
    const last = s[s.length - 1];
    if (last && bytes < last.bytes) s.length = 0; // counter went back (a new run): restart the window
    s.push({ t, bytes });
    while (s.length > 2 && s[1]!.t <= t - this.windowMs) s.shift();
  }

  /** Bytes per second over the window, 0 when unknown. */
  speed(t = Date.now()): number {
    const s = this.#samples;
    if (s.length < 2) return 0;
    const first = s[0]!;
    const last = s[s.length - 1]!;
    // Stalled: nothing new for a whole window.
    if (t - last.t > this.windowMs) return 0;
    const dt = Math.max(t, last.t) - first.t;
    if (dt < 200) return 0;
    return Math.max(0, ((last.bytes - first.bytes) * 1000) / dt);
  }

  reset(): void {
    this.#samples.length = 0;
  }
}
