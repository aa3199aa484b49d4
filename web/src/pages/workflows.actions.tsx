import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { WorkflowPage } from '../api/types.ts';
import { isForbidden } from '../components/ui.tsx';

type Workflow = WorkflowPage['workflows'][number];

interface RunResult {
  status: string;
  finished: boolean;
  error: { message: string } | null;
}

/**
 * A workflow's row actions: activate or deactivate it (a refusal, such as node types that
 * cannot run or a webhook path already taken, is shown beside the row) and run it now.
 */
export function WorkflowActions(props: { workflow: Workflow }) {
  const w = props.workflow;
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['workflows'] });
  const toggle = useMutation({
    mutationFn: () =>
      api.post(`/api/v1/workflows/${w.id}/${w.active ? 'deactivate' : 'activate'}`, {}),
    onSettled: refresh,
  });
  const run = useMutation({
    mutationFn: () => api.post<RunResult>(`/api/v1/workflows/${w.id}/run`, {}),
    onSettled: refresh,
  });
  const error = toggle.error ?? run.error;
  return (
    <div className="row-actions">
      <button
        type="button"
        className="button button-quiet"
        disabled={toggle.isPending}
        onClick={() => {
          run.reset();
          toggle.mutate();
        }}
        aria-label={`${w.active ? 'Deactivate' : 'Activate'} ${w.name}`}
      >
        {w.active ? 'Deactivate' : 'Activate'}
      </button>
      <button
        type="button"
        className="button button-quiet"
        disabled={run.isPending}
        onClick={() => {
          toggle.reset();
          run.mutate();
        }}
        aria-label={`Run ${w.name}`}
      >
        {run.isPending ? 'Running…' : 'Run'}
      </button>
      {run.data ? (
        <span role="status" className="small" data-testid="run-result">
          {run.data.finished ? run.data.status : 'still running'}
          {run.data.error ? `: ${run.data.error.message}` : ''}
        </span>
      ) : null}
      {error ? (
        <span role="alert" className="small field-problem">
          {isForbidden(error) ? 'Your role cannot do this.' : error.message}
        </span>
      ) : null}
    </div>
  );
}
