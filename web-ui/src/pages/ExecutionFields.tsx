import { useId } from 'react';
import type { ApiError } from '../api/client';
import type { AgentProvider, PermissionMode } from '../api/types';
import { Field, fieldError } from '../components/Field';
import { MODEL_SUGGESTIONS, SAFE_BLOCKLIST_NOTE } from './taskForm';

/** How a task's runs execute: permission mode (with the custom blocklist), agent and model. Tasks and automations share it. */
export function ExecutionFields({
  mode,
  onMode,
  blocked,
  onBlocked,
  agent,
  onAgent,
  model,
  onModel,
  error,
}: {
  mode: PermissionMode;
  onMode: (mode: PermissionMode) => void;
  blocked: string;
  onBlocked: (blocked: string) => void;
  agent: AgentProvider;
  onAgent: (agent: AgentProvider) => void;
  model: string;
  onModel: (model: string) => void;
  error: ApiError | null;
}) {
  const modelsId = useId();
  return (
    <>
      <div className="form-row">
        <Field label="Permission mode" hint={SAFE_BLOCKLIST_NOTE} error={fieldError(error, 'permissionMode')}>
          <select value={mode} onChange={(e) => onMode(e.target.value as PermissionMode)}>
            <option value="safe">safe</option>
            <option value="yolo">yolo</option>
            <option value="custom">custom</option>
          </select>
        </Field>
        <Field label="Agent" error={fieldError(error, 'config.agent.provider')}>
          <select value={agent} onChange={(e) => onAgent(e.target.value as AgentProvider)}>
            <option value="none">none</option>
            <option value="codex">codex</option>
            <option value="claude">claude</option>
          </select>
        </Field>
        <Field
          label="Model"
          hint={agent === 'none' ? 'Choose an agent first.' : 'Empty: the agent’s default.'}
          error={fieldError(error, 'config.agent.model', 'config.agent')}
        >
          <input value={model} onChange={(e) => onModel(e.target.value)} list={modelsId} disabled={agent === 'none'} spellCheck={false} />
        </Field>
        <datalist id={modelsId}>
          {agent !== 'none' && MODEL_SUGGESTIONS[agent].map((m) => <option key={m} value={m} />)}
        </datalist>
      </div>
      {mode === 'custom' && (
        <Field
          label="Blocked commands"
          hint="One rule per line; a command containing one never starts."
          error={fieldError(error, 'policy.blockedCommands', 'policy')}
        >
          <textarea className="mono" value={blocked} onChange={(e) => onBlocked(e.target.value)} rows={3} spellCheck={false} placeholder={'rm -rf\ncurl'} />
        </Field>
      )}
    </>
  );
}
