import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, ApiError, messageOf } from '../api/client.ts';
import { keys } from '../api/queries.ts';
import type { Tokens } from '../api/types.ts';
import { AuthCard } from '../components/auth-card.tsx';
import { useTitle } from '../components/ui.tsx';
import { formatDateTime } from '../format.ts';

interface LinkPreview {
  organisation: { name: string; slug: string };
  role: string;
  email: string;
  name: string;
  needsPassword: boolean;
  expiresAt: string;
}

/**
 * An invitation link (`/invite#<secret>`: the secret stays in the fragment, never sent in a
 * request line or a Referer): shows what it offers, then a new person sets their name and
 * password, or someone with an account enters theirs, and joins signed in.
 */
export function InvitePage() {
  useTitle('Join');
  const token = window.location.hash.slice(1);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const preview = useQuery({
    queryKey: ['invitation-link', token],
    queryFn: () =>
      api.get<LinkPreview>(`/api/v1/auth/invitation-links/${encodeURIComponent(token)}`, {
        refresh: false,
      }),
    retry: false,
    enabled: token.length > 0,
  });
  const [name, setName] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [code, setCode] = useState('');
  const [needCode, setNeedCode] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const link = preview.data;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (link?.needsPassword && password !== again) {
      setError('The two passwords differ.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.post<Tokens>(
        `/api/v1/auth/invitation-links/${encodeURIComponent(token)}/join`,
        {
          password,
          mode: 'cookie',
          ...(link?.needsPassword && name?.trim() ? { name: name.trim() } : {}),
          ...(needCode && code.trim() ? { code: code.trim() } : {}),
        },
        { refresh: false },
      );
      queryClient.clear();
      await queryClient.invalidateQueries({ queryKey: keys.me });
      void navigate('/', { replace: true });
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === 'mfa_required') setNeedCode(true);
      else setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard>
      {!token || preview.error ? (
        <>
          <h1>This link does not work</h1>
          <p role="alert">
            {preview.error instanceof ApiError
              ? preview.error.message
              : 'The address has no invitation in it.'}
          </p>
        </>
      ) : null}
      {preview.isPending && token ? <p className="muted">Opening the invitation…</p> : null}
      {link ? (
        <>
          <h1>Join {link.organisation.name}</h1>
          <p data-testid="invitation-offer">
            As <strong>{link.role}</strong>, with <strong>{link.email}</strong>. The link works
            once, until {formatDateTime(link.expiresAt)}.
          </p>
          <form onSubmit={(event) => void submit(event)}>
            {link.needsPassword ? (
              <>
                <div className="field">
                  <label htmlFor="invite-name">Your name</label>
                  <input
                    id="invite-name"
                    autoComplete="name"
                    required
                    value={name ?? link.name}
                    onChange={(e) => setName(e.target.value)}
                  />
                </div>
                <div className="field">
                  <label htmlFor="invite-password">Choose a password</label>
                  <input
                    id="invite-password"
                    type="password"
                    autoComplete="new-password"
                    minLength={12}
                    required
                    aria-describedby="invite-password-help"
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                  />
                  <p id="invite-password-help" className="muted small">
                    12 characters or more.
                  </p>
                </div>
                <div className="field">
                  <label htmlFor="invite-again">The password again</label>
                  <input
                    id="invite-again"
                    type="password"
                    autoComplete="new-password"
                    required
                    value={again}
                    onChange={(e) => setAgain(e.target.value)}
                  />
                </div>
              </>
            ) : (
              <div className="field">
                <label htmlFor="invite-password">Your password</label>
                <input
                  id="invite-password"
                  type="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              </div>
            )}
            {needCode ? (
              <div className="field">
                <label htmlFor="invite-code">Authenticator code</label>
                <input
                  id="invite-code"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  required
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                />
              </div>
            ) : null}
            {error ? (
              <div className="notice notice-error" role="alert">
                <p>{error}</p>
              </div>
            ) : null}
            <button type="submit" className="button button-primary button-wide" disabled={busy}>
              {busy ? 'Joining…' : `Join ${link.organisation.name}`}
            </button>
          </form>
        </>
      ) : null}
    </AuthCard>
  );
}
