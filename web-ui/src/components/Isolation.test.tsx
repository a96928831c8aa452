// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Runner } from '../api/types';
import { IsolationBadge, UnisolatedRunnersAlert } from './Isolation';

afterEach(cleanup);

function runner(name: string, isolation: Runner['isolation'], status: Runner['status'] = 'online'): Runner {
  return { id: name, name, baseUrl: 'http://x', status, capacity: 1, activeRuns: 0, lastHeartbeatAt: null, version: null, isolation };
}

describe('Isolation', () => {
  it('warns about online runners without isolation, by name', () => {
    render(<UnisolatedRunnersAlert runners={[runner('boxed', 'bubblewrap'), runner('bare', 'none'), runner('gone', 'none', 'offline')]} />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Runs are not isolated');
    expect(alert.textContent).toContain('bare');
    expect(alert.textContent).not.toContain('boxed');
    expect(alert.textContent).not.toContain('gone');
  });

  it('says nothing when every runner is isolated', () => {
    render(<UnisolatedRunnersAlert runners={[runner('boxed', 'bubblewrap'), runner('old', null)]} />);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows each level', () => {
    render(
      <div>
        <IsolationBadge isolation="bubblewrap" />
        <IsolationBadge isolation="none" />
        <IsolationBadge isolation={null} />
      </div>,
    );
    expect(screen.getByText('bubblewrap')).toBeTruthy();
    expect(screen.getByText('none — not isolated')).toBeTruthy();
    expect(screen.getByText('unknown')).toBeTruthy();
  });
});
