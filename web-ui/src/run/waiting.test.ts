import { describe, expect, it } from 'vitest';
import { describeWaiting } from './waiting';

describe('describeWaiting', () => {
  const names = new Map([['5f0c', 'runner-a']]);

  it('names the runner holding the workspace, or its id when the name is unknown', () => {
    expect(describeWaiting('runner:5f0c', names)).toBe("Waiting for runner runner-a, which holds the task's workspace");
    expect(describeWaiting('runner:77aa', names)).toBe("Waiting for runner 77aa, which holds the task's workspace");
  });

  it('says which limit holds the run back', () => {
    expect(describeWaiting('workspace_limit', names)).toBe("Waiting: the workspace's concurrency limit is reached");
    expect(describeWaiting('repository_limit', names)).toBe("Waiting: the repository's concurrency limit is reached");
    expect(describeWaiting('runner_capacity', names)).toBe('Waiting for a free runner slot');
    expect(describeWaiting('backoff', names)).toBe('Waiting to retry a failed dispatch');
  });

  it('treats no reason as next in line and shows unknown reasons as they are', () => {
    expect(describeWaiting(null, names)).toBe('Next to be taken');
    expect(describeWaiting('something_new', names)).toBe('Waiting (something_new)');
  });
});
