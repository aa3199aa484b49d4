import { Panel, PageHeader } from '../components/ui.tsx';

/** Placeholder until the workflow engine (SPEC.md W1-W7) exists; replace this module then. */
export function WorkflowsPage() {
  return (
    <>
      <PageHeader title="Workflows" />
      <Panel>
        <div className="not-built" data-testid="not-built">
          <p className="lead">The workflow engine is not built yet in this installation.</p>
          <p>
            When it is, this page will list the organisation&apos;s n8n-compatible workflows, their
            executions, success rate and the value they generate. Nothing is shown until then: IZA
            OS never displays figures it does not have.
          </p>
        </div>
      </Panel>
    </>
  );
}
