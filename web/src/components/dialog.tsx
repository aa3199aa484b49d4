import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A modal dialog on the native `<dialog>` element: the browser traps focus, closes on Escape
 * and returns focus to what opened it. `open` drives it; `onClose` runs however it closed.
 */
export function Dialog(props: {
  id: string;
  title: string;
  open: boolean;
  onClose: () => void;
  children: ReactNode;
  description?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      className="dialog glass-card"
      aria-labelledby={`${props.id}-title`}
      data-testid={props.id}
      onClose={() => {
        // The close event is queued as a task: one from an earlier close can arrive after the
        // dialog was opened again. Only a close of the open dialog counts.
        if (!ref.current?.open) props.onClose();
      }}
    >
      <div className="dialog-head">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        <button
          type="button"
          className="button button-quiet"
          aria-label="Close"
          onClick={() => ref.current?.close()}
        >
          ×
        </button>
      </div>
      {props.description ? <p className="muted">{props.description}</p> : null}
      {props.open ? props.children : null}
    </dialog>
  );
}
