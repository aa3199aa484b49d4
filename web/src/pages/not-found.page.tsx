import { Link } from 'react-router';
import { Panel, PageHeader } from '../components/ui.tsx';

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <Panel>
        <p>
          There is no page at this address. <Link to="/">Go to the portfolio</Link>.
        </p>
      </Panel>
    </>
  );
}
