import type { ReactNode } from 'react';
import { ApiError, messageOf } from '../api/client.ts';

/**
 * The problems an API answer names per field (`error.details[].path`, e.g. `body.slug` or
 * `items.0.displayValue`), keyed by the field's last name, so a form shows each beside its input.
 */
export function fieldProblems(error: unknown): Map<string, string> {
  const problems = new Map<string, string>();
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return problems;
  for (const detail of error.details as { path?: unknown; message?: unknown }[]) {
    if (typeof detail.path !== 'string' || typeof detail.message !== 'string') continue;
    const field = detail.path
      .split('.')
      .filter((part) => !/^\d+$/.test(part))
      .pop();
    if (field && !problems.has(field)) problems.set(field, detail.message);
  }
  return problems;
}

/** A labelled input, select or text area with its hint and its problem, wired for readers. */
export function Field(props: {
  id: string;
  label: string;
  problem?: string | undefined;
  hint?: ReactNode;
  grow?: boolean;
  children: (aria: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby': string | undefined;
  }) => ReactNode;
}) {
  const described = [
    props.hint ? `${props.id}-hint` : '',
    props.problem ? `${props.id}-problem` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={`field ${props.grow ? 'field-grow' : ''}`}>
      <label htmlFor={props.id}>{props.label}</label>
      {props.children({
        id: props.id,
        'aria-invalid': Boolean(props.problem),
        'aria-describedby': described || undefined,
      })}
      {props.hint ? (
        <span id={`${props.id}-hint`} className="muted small">
          {props.hint}
        </span>
      ) : null}
      {props.problem ? (
        <span id={`${props.id}-problem`} className="field-problem small">
          {props.problem}
        </span>
      ) : null}
    </div>
  );
}

/** What went wrong with a form's submission, when it is not one field's problem. */
export function FormError(props: { error: unknown }) {
  if (!props.error) return null;
  return (
    <div className="notice notice-error" role="alert">
      <p>{messageOf(props.error)}</p>
    </div>
  );
}

/** A labelled one-line text input (the common case of `Field`). */
export function TextField(props: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  problem?: string | undefined;
  hint?: ReactNode;
  type?: 'text' | 'url' | 'number' | 'date';
  inputMode?: 'text' | 'decimal' | 'numeric';
  required?: boolean;
  maxLength?: number;
  placeholder?: string;
}) {
  return (
    <Field id={props.id} label={props.label} problem={props.problem} hint={props.hint}>
      {(aria) => (
        <input
          {...aria}
          type={props.type ?? 'text'}
          inputMode={props.inputMode}
          required={props.required}
          maxLength={props.maxLength}
          placeholder={props.placeholder}
          autoComplete="off"
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
