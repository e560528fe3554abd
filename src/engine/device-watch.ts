/**
 * Watches the GPU device the run depends on (the WebGPU device of the fused kernels and of
 * tfjs' WebGPU backend). A lost device makes every queued readback fail; errors that are
 * its symptoms must not be reported as errors of their own, so the engine asks
 * `lostWithin` before it reports one, and `epoch` tells work queued before a switch to
 * another backend from work queued after it.
 */
export class DeviceWatch {
  private lost: Promise<string> | null = null;
  private reason: string | null = null;
  private epochCount = 0;

  constructor(
    private readonly watchDeviceLoss: (() => Promise<string> | null) | undefined,
    private readonly schedule: (fn: () => void, ms: number) => void,
    private readonly onLost: (reason: string) => void,
  ) {}

  /** Starts watching the current device (none on CPU-class backends). */
  watch(): void {
    const lost = this.watchDeviceLoss?.() ?? null;
    this.lost = lost;
    this.reason = null;
    if (!lost) return;
    void lost.then((reason) => {
      if (this.lost !== lost) return;
      this.reason = reason;
      this.onLost(reason);
    });
  }

  /** Counts moves to another backend after a loss. */
  get epoch(): number {
    return this.epochCount;
  }

  /** The run now lives on another backend: the old loss is history, the new device is watched. */
  moved(): void {
    this.epochCount++;
    this.watch();
  }

  /** Whether the device is (or within `ms` turns out to be) lost: errors then are its symptoms. */
  async lostWithin(ms: number): Promise<boolean> {
    const lost = this.lost;
    if (!lost) return false;
    if (this.reason !== null) return true;
    const timer = new Promise<null>((resolve) => this.schedule(() => resolve(null), ms));
    return (await Promise.race([lost, timer])) !== null;
  }
}
