import { describe, expect, it } from 'vitest';
import { fieldError } from '../components/Field';
import { describeCron } from './AutomationForm';
import { slugify } from './CreateWorkspace';
import { buildConfig, buildPolicy, commandsText, parseCommands } from './taskForm';

describe('task form mapping', () => {
  it('turns one command per line into config.commands, skipping blank lines', () => {
    expect(parseCommands('npm ci\n\n  npm test  \n')).toEqual([{ command: 'npm ci' }, { command: 'npm test' }]);
    expect(commandsText([{ command: 'a' }, { command: 'b' }])).toBe('a\nb');
  });

  it('sets config.agent only for a real provider, with the model when given', () => {
    expect(buildConfig('ls', 'none', 'x')).toEqual({ commands: [{ command: 'ls' }] });
    expect(buildConfig('', 'claude', ' claude-opus-4-6 ')).toEqual({ commands: [], agent: { provider: 'claude', model: 'claude-opus-4-6' } });
    expect(buildConfig('', 'codex', '')).toEqual({ commands: [], agent: { provider: 'codex' } });
  });

  it('sends the blocklist only in custom mode', () => {
    expect(buildPolicy('custom', 'rm -rf\n\ncurl ')).toEqual({ blockedCommands: ['rm -rf', 'curl'] });
    expect(buildPolicy('safe', 'rm -rf')).toBeUndefined();
  });
});

describe('fieldError', () => {
  const error = {
    errors: [
      { field: 'title', message: 'must not be blank' },
      { field: 'config.commands[0].command', message: 'must not be blank' },
    ],
  };
  it('finds a field and its nested fields', () => {
    expect(fieldError(error, 'title')).toBe('must not be blank');
    expect(fieldError(error, 'config.commands')).toBe('config.commands[0].command must not be blank');
    expect(fieldError(error, 'prompt')).toBeUndefined();
    expect(fieldError(null, 'title')).toBeUndefined();
  });
});

describe('describeCron', () => {
  it('describes a valid expression and explains an invalid one', () => {
    expect(describeCron('0 9 * * 1-5')).toEqual({ text: 'At 09:00, Monday through Friday', ok: true });
    expect(describeCron('* * *').ok).toBe(false);
    expect(describeCron('').ok).toBe(false);
  });
});

describe('slugify', () => {
  it('derives a valid slug from a name', () => {
    expect(slugify('  My Team — Ünïcode  Project! ')).toBe('my-team-unicode-project');
    expect(slugify('---')).toBe('');
  });
});
