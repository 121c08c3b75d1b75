// Event-loop stalls of this process, measured two ways while some work runs:
// - wall: perf_hooks.monitorEventLoopDelay's longest delay, what a user feels on a quiet machine;
// - cpu: the longest stretch of CPU time the main thread spent between two turns of its event loop
//   (from /proc/self/task/PID/schedstat, in ns). On a loaded machine (tests share two cores with
//   other work) the wall figure also counts the time the kernel ran other processes; the CPU
//   figure counts only what this thread did without yielding, which is what a stall is.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface Stalls {
  /** Longest event-loop delay (wall clock), ms. */
  wallMs: number;
  /** Longest CPU time of the main thread between two turns of the event loop, ms. */
  cpuMs: number;
}

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

function cpuNs(): number {
  return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]);
}

export async function measureStalls<T>(work: () => Promise<T>): Promise<{ value: T; stalls: Stalls }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  let lastCpu = cpuNs();
  let cpuMax = 0;
  const tick = setInterval(() => {
    const cpu = cpuNs();
    cpuMax = Math.max(cpuMax, cpu - lastCpu);
    lastCpu = cpu;
  }, 2);
  h.enable();
  try {
    const value = await work();
    // The stretch that ends with the work counts too (the histogram records it at the next turn).
    cpuMax = Math.max(cpuMax, cpuNs() - lastCpu);
    await new Promise((r) => setTimeout(r, 10));
    return { value, stalls: { wallMs: h.max / 1e6, cpuMs: cpuMax / 1e6 } };
  } finally {
    h.disable();
    clearInterval(tick);
  }
}
