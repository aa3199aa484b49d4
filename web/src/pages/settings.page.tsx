import { useQuery } from '@tanstack/react-query';
import { useFirstAnswers, useMe } from '../api/queries.ts';
import { Loading, PageHeader } from '../components/ui.tsx';
import { apiKeysQuery, ApiKeysSection } from './settings/api-keys.section.tsx';
import { ApprovalPoliciesSection, policiesQuery } from './settings/approval-policies.section.tsx';
import { invitationsQuery, InvitationsSection } from './settings/invitations.section.tsx';
import { MfaSection } from './settings/mfa.section.tsx';
import { SessionsSection, sessionsQuery } from './settings/sessions.section.tsx';
import { usersQuery, UsersSection } from './settings/users.section.tsx';

export function SettingsPage() {
  const me = useMe();
  const role = me.data?.role;
  const isAdmin = role === 'admin';
  const isPerson = me.data?.kind === 'user';
  // The sections show in one paint once their lists are in: a list (or the invitations) coming
  // later would push the sections below it down (layout shifts).
  const users = useQuery({ ...usersQuery, enabled: isAdmin });
  const apiKeys = useQuery({ ...apiKeysQuery, enabled: isAdmin });
  const policies = useQuery(policiesQuery);
  const sessions = useQuery(sessionsQuery);
  const invitations = useQuery({ ...invitationsQuery, enabled: isPerson });
  const ready = useFirstAnswers([
    !isAdmin || users,
    !isAdmin || apiKeys,
    policies,
    sessions,
    !isPerson || invitations,
  ]);
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
      {ready ? (
        <>
          {isPerson ? <InvitationsSection /> : null}
          <UsersSection canManage={isAdmin} selfId={me.data?.userId ?? null} />
          <ApiKeysSection canManage={isAdmin} />
          <ApprovalPoliciesSection canManage={isAdmin} />
          <MfaSection enabled={me.data?.mfaEnabled ?? false} isPerson={isPerson} />
          <SessionsSection />
        </>
      ) : (
        <Loading />
      )}
    </>
  );
}
