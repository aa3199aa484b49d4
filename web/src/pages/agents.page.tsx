import { Panel, PageHeader } from '../components/ui.tsx';

/** Placeholder until agent orchestration (SPEC.md G1-G9) exists; replace this module then. */
export function AgentsPage() {
  return (
    <>
      <PageHeader title="Agents" />
      <Panel>
        <div className="not-built" data-testid="not-built">
          <p className="lead">Agent orchestration is not built yet in this installation.</p>
          <p>
            When it is, this page will show the registered AI agents, their tasks, routing, failures
            and cost. Nothing is shown until then: IZA OS never displays figures it does not have.
          </p>
        </div>
      </Panel>
    </>
  );
}
