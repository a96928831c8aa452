// Collects items and hands them over at most once per animation frame, so a burst of thousands of events costs
// one state update and one render instead of one per event. Hidden tabs get no animation frames: there a timer
// takes over, less often.

export interface FrameScheduler {
  request(callback: () => void): number;
  cancel(handle: number): void;
}

export const browserScheduler: FrameScheduler = {
  request(callback) {
    if (typeof document !== 'undefined' && document.hidden) {
      return -(setTimeout(callback, 250) as unknown as number);
    }
    return requestAnimationFrame(() => callback());
  },
  cancel(handle) {
    if (handle < 0) clearTimeout(-handle as unknown as ReturnType<typeof setTimeout>);
    else cancelAnimationFrame(handle);
  },
};

export class FrameBatcher<T> {
  private buffer: T[] = [];
  private handle: number | null = null;

  constructor(
    private readonly onBatch: (items: T[]) => void,
    private readonly scheduler: FrameScheduler = browserScheduler,
  ) {}

  push(item: T): void {
    this.buffer.push(item);
    if (this.handle === null) this.handle = this.scheduler.request(() => this.flush());
  }

  flush(): void {
    if (this.handle !== null) this.scheduler.cancel(this.handle);
    this.handle = null;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.onBatch(batch);
  }

  /** Drops what is buffered and any pending frame. */
  dispose(): void {
    if (this.handle !== null) this.scheduler.cancel(this.handle);
    this.handle = null;
    this.buffer = [];
  }
}
