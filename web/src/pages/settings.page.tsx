import { useMe } from '../api/queries.ts';
import { PageHeader } from '../components/ui.tsx';
import { ApiKeysSection } from './settings/api-keys.section.tsx';
import { ApprovalPoliciesSection } from './settings/approval-policies.section.tsx';
import { InvitationsSection } from './settings/invitations.section.tsx';
import { MfaSection } from './settings/mfa.section.tsx';
import { SessionsSection } from './settings/sessions.section.tsx';
import { UsersSection } from './settings/users.section.tsx';

export function SettingsPage() {
  const me = useMe();
  const role = me.data?.role;
  return (
    <>
      <PageHeader
        title="Settings"
        intro={
          me.data
            ? `${me.data.organisation.name} (${me.data.organisation.slug}) · your role: ${me.data.role}`
            : undefined
        }
      />
      <nav className="toc" aria-label="Settings sections">
        <a href="#users">Members</a>
        <a href="#api-keys">API keys</a>
        <a href="#approval-policies">Transfer approvals</a>
        <a href="#mfa">Two-factor authentication</a>
        <a href="#sessions">Sessions</a>
      </nav>
      {me.data?.kind === 'user' ? <InvitationsSection /> : null}
      <UsersSection canManage={role === 'admin'} selfId={me.data?.userId ?? null} />
      <ApiKeysSection canManage={role === 'admin'} />
      <ApprovalPoliciesSection canManage={role === 'admin'} />
      <MfaSection enabled={me.data?.mfaEnabled ?? false} isPerson={me.data?.kind === 'user'} />
      <SessionsSection />
    </>
  );
}
