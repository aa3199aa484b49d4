import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import { keys } from '../../api/queries.ts';
import type { MfaEnrolment } from '../../api/types.ts';
import { ErrorNotice, Panel } from '../../components/ui.tsx';
import { CopyButton } from './copy-button.tsx';

/** TOTP: enrol (QR code), activate with a first code (recovery codes shown once), disable. */
export function MfaSection(props: { enabled: boolean; isPerson: boolean }) {
  const queryClient = useQueryClient();
  const [enrolment, setEnrolment] = useState<MfaEnrolment | null>(null);
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [disableCode, setDisableCode] = useState('');

  const enrol = useMutation({
    mutationFn: () => api.post<MfaEnrolment>('/api/v1/auth/mfa/enrol', {}),
    onSuccess: (answer) => setEnrolment(answer),
  });
  const activate = useMutation({
    mutationFn: () =>
      api.post<{ recoveryCodes: string[] }>('/api/v1/auth/mfa/activate', { code: code.trim() }),
    onSuccess: (answer) => {
      setRecovery(answer.recoveryCodes);
      setEnrolment(null);
      setCode('');
      void queryClient.invalidateQueries({ queryKey: keys.me });
    },
  });
  const disable = useMutation({
    mutationFn: () => api.post('/api/v1/auth/mfa/disable', { code: disableCode.trim() }),
    onSuccess: () => {
      setDisableCode('');
      void queryClient.invalidateQueries({ queryKey: keys.me });
    },
  });

  const onActivate = (event: FormEvent) => {
    event.preventDefault();
    activate.mutate();
  };
  const onDisable = (event: FormEvent) => {
    event.preventDefault();
    disable.mutate();
  };

  return (
    <Panel title="Two-factor authentication" id="mfa">
      {!props.isPerson ? <p>Two-factor authentication is for people, not API keys.</p> : null}
      <p data-testid="mfa-state">
        Status: <strong>{props.enabled ? 'on' : 'off'}</strong>
      </p>
      {recovery ? (
        <div className="notice notice-success" role="status" data-testid="recovery-codes">
          <strong>
            Two-factor authentication is on. Store these recovery codes now: they are shown only
            once, and each works once.
          </strong>
          <ul className="codes">
            {recovery.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <CopyButton text={recovery.join('\n')} label="Copy recovery codes" />
          <button type="button" className="button button-quiet" onClick={() => setRecovery(null)}>
            I have stored them
          </button>
        </div>
      ) : null}
      {props.isPerson && !props.enabled && !enrolment ? (
        <button
          type="button"
          className="button button-primary"
          onClick={() => enrol.mutate()}
          disabled={enrol.isPending}
        >
          Set up an authenticator app
        </button>
      ) : null}
      {enrol.error ? <ErrorNotice error={enrol.error} title="Enrolment did not start" /> : null}
      {enrolment ? (
        <div className="mfa-enrol">
          <img
            className="qr"
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qrSvg)}`}
            alt="QR code of the authenticator secret"
            width="200"
            height="200"
          />
          <div>
            <p>
              Scan the code with your authenticator app, or enter this secret by hand:{' '}
              <code data-testid="mfa-secret">{enrolment.secret}</code>
            </p>
            <p className="small">
              <a href={enrolment.otpauthUrl}>Open in an authenticator app on this device</a>
            </p>
            <form onSubmit={onActivate} className="form-row">
              <div className="field">
                <label htmlFor="mfa-code">Code from the app</label>
                <input
                  id="mfa-code"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  required
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                />
              </div>
              <button type="submit" className="button button-primary" disabled={activate.isPending}>
                Turn on
              </button>
            </form>
            {activate.error ? <ErrorNotice error={activate.error} title="Not turned on" /> : null}
          </div>
        </div>
      ) : null}
      {props.enabled ? (
        <form onSubmit={onDisable} className="form-row">
          <div className="field">
            <label htmlFor="mfa-disable-code">Current code, to turn it off</label>
            <input
              id="mfa-disable-code"
              inputMode="numeric"
              autoComplete="one-time-code"
              required
              value={disableCode}
              onChange={(e) => setDisableCode(e.target.value)}
            />
          </div>
          <button type="submit" className="button button-danger" disabled={disable.isPending}>
            Turn off
          </button>
        </form>
      ) : null}
      {disable.error ? <ErrorNotice error={disable.error} title="Not turned off" /> : null}
    </Panel>
  );
}
