import { Clock } from '../../lib/operator/clock';

interface Timer {
  readonly at: number;
  readonly resolve: () => void;
}

/**
 * A simulated clock for the operator's tests: time stands still while anything is still to do, and jumps to the next
 * timer once the process is idle (every promise settled, checked with setImmediate), so a 20-minute wait takes no real
 * time and no test depends on the machine's speed. `sleeps` records every wait, in milliseconds.
 */
export class FakeClock implements Clock {
  public readonly sleeps: number[] = [];
  private time = 0;
  private timers: Timer[] = [];
  private scheduled = false;
  /** Work in flight that takes real time (a real process): time stands still until it ends. */
  private busy = 0;

  public now(): number {
    return this.time;
  }

  /** Seconds since the start. */
  public seconds(): number {
    return this.time / 1000;
  }

  public sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const timer: Timer = {
        at: this.time + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', cancel);
          resolve();
        },
      };
      const cancel = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        resolve();
      };
      signal?.addEventListener('abort', cancel, { once: true });
      this.timers.push(timer);
      this.schedule();
    });
  }

  /**
   * Runs work that takes real time (a pwsh process standing in for the guest) with the clock stopped: no timer fires,
   * however long it takes, so a simulated limit can never be reached by the machine's slowness.
   */
  public async whileBusy<T>(work: Promise<T>): Promise<T> {
    this.busy += 1;
    try {
      return await work;
    } finally {
      this.busy -= 1;
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.scheduled) {
      return;
    }
    this.scheduled = true;
    // Two turns of the event loop: whatever settles in between (an in-process az's answer) goes first.
    setImmediate(() => setImmediate(() => {
      this.scheduled = false;
      if (this.timers.length === 0 || this.busy > 0) {
        // whileBusy schedules again when the work ends.
        return;
      }
      const next = this.timers.reduce((earliest, timer) => (timer.at < earliest.at ? timer : earliest));
      this.timers = this.timers.filter((timer) => timer !== next);
      this.time = Math.max(this.time, next.at);
      next.resolve();
      if (this.timers.length > 0) {
        this.schedule();
      }
    }));
  }
}
