import { describe, expect, it } from 'vitest';
import { FrameBatcher, type FrameScheduler } from './frameBatcher';

class ManualFrames implements FrameScheduler {
  callbacks = new Map<number, () => void>();
  next = 1;
  request(callback: () => void) {
    const handle = this.next++;
    this.callbacks.set(handle, callback);
    return handle;
  }
  cancel(handle: number) {
    this.callbacks.delete(handle);
  }
  frame() {
    const due = [...this.callbacks.values()];
    this.callbacks.clear();
    due.forEach((c) => c());
  }
}

describe('FrameBatcher', () => {
  it('hands over everything pushed within a frame as one batch, and asks for one frame only', () => {
    const frames = new ManualFrames();
    const batches: number[][] = [];
    const batcher = new FrameBatcher<number>((b) => batches.push(b), frames);
    for (let i = 0; i < 10_000; i++) batcher.push(i);
    expect(frames.callbacks.size).toBe(1);
    expect(batches).toEqual([]);
    frames.frame();
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(10_000);
    batcher.push(1);
    batcher.push(2);
    frames.frame();
    expect(batches[1]).toEqual([1, 2]);
    frames.frame();
    expect(batches).toHaveLength(2);
  });

  it('drops the buffer on dispose', () => {
    const frames = new ManualFrames();
    const batches: number[][] = [];
    const batcher = new FrameBatcher<number>((b) => batches.push(b), frames);
    batcher.push(1);
    batcher.dispose();
    frames.frame();
    expect(batches).toEqual([]);
    expect(frames.callbacks.size).toBe(0);
  });
});
