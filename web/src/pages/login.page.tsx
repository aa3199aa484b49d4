import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, ApiError, messageOf } from '../api/client.ts';
import { keys } from '../api/queries.ts';
import type { Tokens } from '../api/types.ts';
import { AuthCard } from '../components/auth-card.tsx';
import { useTitle } from '../components/ui.tsx';

/** Sign-in: e-mail, password, optional organisation; an authenticator code when asked. */
export function LoginPage() {
  useTitle('Sign in');
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [organisation, setOrganisation] = useState('');
  const [code, setCode] = useState('');
  const [needCode, setNeedCode] = useState(false);
  const [error, setError] = useState<{ title: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  // The first-run hint only while the installation has no administrator yet.
  const setup = useQuery({
    queryKey: ['setup'],
    queryFn: () => api.get<{ needed: boolean }>('/api/v1/setup', { refresh: false }),
    retry: false,
    staleTime: 60_000,
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post<Tokens>(
        '/api/v1/auth/login',
        {
          email,
          password,
          mode: 'cookie',
          ...(organisation.trim() ? { organisation: organisation.trim() } : {}),
          ...(needCode && code.trim() ? { code: code.trim() } : {}),
        },
        { refresh: false },
      );
      queryClient.clear();
      await queryClient.invalidateQueries({ queryKey: keys.me });
      const next = params.get('next');
      void navigate(next?.startsWith('/') && !next.startsWith('//') ? next : '/', {
        replace: true,
      });
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === 'mfa_required') {
        if (needCode) {
          setError({ title: 'Code required', text: 'Enter the code from your authenticator app.' });
        }
        setNeedCode(true);
      } else if (caught instanceof ApiError && caught.code === 'account_locked') {
        setError({ title: 'Account locked', text: caught.message });
      } else if (caught instanceof ApiError && caught.code === 'network_error') {
        setError({ title: 'Server unreachable', text: caught.message });
      } else {
        setError({ title: 'Sign-in failed', text: messageOf(caught) });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard>
      <h1>Sign in</h1>
      {params.get('setup') === 'done' ? (
        <p className="notice notice-success" role="status" data-testid="setup-done">
          The first administrator has been created: sign in with that e-mail and password.
        </p>
      ) : null}
      <form onSubmit={(event) => void submit(event)} noValidate={false}>
        <div className="field">
          <label htmlFor="login-email">E-mail</label>
          <input
            id="login-email"
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="login-org">
            Organisation <span className="muted">(optional: slug or id)</span>
          </label>
          <input
            id="login-org"
            name="organisation"
            type="text"
            autoComplete="organization"
            value={organisation}
            onChange={(e) => setOrganisation(e.target.value)}
          />
        </div>
        {needCode ? (
          <div className="field">
            <label htmlFor="login-code">Authenticator code</label>
            <input
              id="login-code"
              name="code"
              type="text"
              inputMode="numeric"
              autoComplete="one-time-code"
              required
              autoFocus
              value={code}
              onChange={(e) => setCode(e.target.value)}
              aria-describedby="login-code-help"
            />
            <p id="login-code-help" className="muted small">
              Two-factor authentication is on for this account: enter the 6-digit code from your
              authenticator app, or a recovery code.
            </p>
          </div>
        ) : null}
        {error ? (
          <div className="notice notice-error" role="alert" data-testid="login-error">
            <strong>{error.title}</strong>
            <p>{error.text}</p>
          </div>
        ) : null}
        <button type="submit" className="button button-primary button-wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {setup.data?.needed ? (
        <p className="muted small" data-testid="first-run-hint">
          First run: create the first administrator with the one-time setup token the server
          printed, on <a href="/">the setup page</a>, or with <code>iza user create-admin</code>.
        </p>
      ) : null}
    </AuthCard>
  );
}
