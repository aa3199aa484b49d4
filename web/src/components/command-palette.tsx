import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { flushSync } from 'react-dom';
import { useNavigate } from 'react-router';
import { api } from '../api/client.ts';
import type { Agent, Me, VenturePage, WorkflowPage } from '../api/types.ts';

/** One thing the palette can do: open a page or a record, or start an action. */
interface Command {
  id: string;
  group: 'Pages' | 'Actions' | 'Ventures' | 'Workflows' | 'Agents';
  label: string;
  hint?: string;
  to: string;
}

const PAGES: Command[] = [
  ['Home', '/'],
  ['Businesses', '/businesses'],
  ['Financial', '/financial'],
  ['Workflows', '/workflows'],
  ['Agents', '/agents'],
  ['Monitoring', '/monitoring'],
  ['Settings', '/settings'],
].map(([label, to]) => ({ id: `page:${to}`, group: 'Pages', label: label!, to: to! }));

/** Actions open the page that holds them with the address asking for the action. */
function actionsFor(me: Me | null): Command[] {
  const canWrite = me?.role === 'admin' || me?.role === 'editor';
  if (!canWrite) return [];
  return [
    { id: 'act:venture', group: 'Actions', label: 'New venture', to: '/businesses?new=venture' },
    { id: 'act:kpis', group: 'Actions', label: 'Import KPIs from CSV', to: '/businesses?new=kpis' },
    {
      id: 'act:workflows',
      group: 'Actions',
      label: 'Import n8n workflows',
      to: '/workflows?new=import',
    },
    { id: 'act:key', group: 'Actions', label: 'Create an API key (Settings)', to: '/settings' },
  ];
}

/** The event a button sends to open the palette (the header's search button). */
export const OPEN_PALETTE = 'iza:open-palette';

const matches = (text: string, query: string) =>
  query === '' || text.toLowerCase().includes(query.toLowerCase());

/**
 * Ctrl-K (Cmd-K on a Mac) anywhere: jump to any page, venture, workflow or agent, or start an
 * action, by typing part of its name. Arrow keys choose, Enter opens, Escape closes. Ventures
 * and workflows are searched on the server (thousands of them); pages, actions and agents here.
 */
export function CommandPalette(props: { me: Me | null }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [active, setActive] = useState(0);
  const query = useDeferredValue(text.trim());
  const dialog = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const navigate = useNavigate();

  useEffect(() => {
    // The dialog is drawn, opened and its search focused within the key press itself, so
    // letters typed straight after Ctrl-K land in the search however busy the page is.
    const show = () => {
      flushSync(() => {
        setText('');
        setActive(0);
        setOpen(true);
      });
      const element = dialog.current;
      if (element && !element.open) element.showModal();
      input.current?.focus();
    };
    const onKey = (event: globalThis.KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        if (dialog.current?.open) setOpen(false);
        else show();
      }
    };
    const onAsk = show;
    window.addEventListener('keydown', onKey);
    window.addEventListener(OPEN_PALETTE, onAsk);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener(OPEN_PALETTE, onAsk);
    };
  }, []);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);

  const signedIn = open && props.me !== null;
  const ventures = useQuery({
    queryKey: ['palette', 'ventures', query],
    queryFn: ({ signal }) =>
      api.get<VenturePage>('/api/v1/portfolio/ventures', {
        query: { search: query || undefined, limit: 6 },
        signal,
      }),
    enabled: signedIn,
    staleTime: 30_000,
  });
  const workflows = useQuery({
    queryKey: ['palette', 'workflows', query],
    queryFn: ({ signal }) =>
      api.get<WorkflowPage>('/api/v1/workflows', {
        query: { search: query || undefined, limit: 6 },
        signal,
      }),
    enabled: signedIn,
    staleTime: 30_000,
    retry: false,
  });
  const agents = useQuery({
    queryKey: ['agents', 'list'],
    queryFn: ({ signal }) => api.get<Agent[]>('/api/v1/agents', { signal }),
    enabled: signedIn,
    staleTime: 30_000,
    retry: false,
  });

  const commands = useMemo<Command[]>(() => {
    const list: Command[] = [
      ...PAGES.filter((c) => matches(c.label, query)),
      ...actionsFor(props.me).filter((c) => matches(c.label, query)),
      ...(ventures.data?.ventures ?? []).map((v) => ({
        id: `venture:${v.id}`,
        group: 'Ventures' as const,
        label: v.name,
        hint: v.slug,
        to: `/businesses/${encodeURIComponent(v.slug)}`,
      })),
      ...(workflows.data?.workflows ?? []).map((w) => ({
        id: `workflow:${w.id}`,
        group: 'Workflows' as const,
        label: w.name,
        hint: w.active ? 'active' : 'inactive',
        to: '/workflows',
      })),
      ...(agents.data ?? [])
        .filter((a) => matches(`${a.name} ${a.botId}`, query))
        .slice(0, 6)
        .map((a) => ({
          id: `agent:${a.id}`,
          group: 'Agents' as const,
          label: a.name,
          hint: a.botId,
          to: '/agents',
        })),
    ];
    return list;
  }, [query, props.me, ventures.data, workflows.data, agents.data]);

  useEffect(() => setActive(0), [query]);
  const chosen = commands[Math.min(active, commands.length - 1)];

  const go = (command: Command | undefined) => {
    if (!command) return;
    setOpen(false);
    void navigate(command.to);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setActive((i) => Math.min(i + 1, commands.length - 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((i) => Math.max(i - 1, 0));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      go(chosen);
    }
  };

  if (props.me === null) return null;
  return (
    <dialog
      ref={dialog}
      className="palette glass-card"
      aria-label="Go to or do"
      data-testid="command-palette"
      onClose={() => {
        // The browser queues a dialog's close event as a task: one from an earlier close can
        // arrive after the palette was opened again. Only a close of the open dialog counts.
        if (!dialog.current?.open) setOpen(false);
      }}
      onClick={(event) => {
        // A click on the backdrop (the dialog element itself) closes it.
        if (event.target === dialog.current) setOpen(false);
      }}
    >
      {open ? (
        <>
          <input
            ref={input}
            className="palette-input"
            role="combobox"
            aria-expanded="true"
            aria-controls="palette-list"
            aria-activedescendant={chosen ? `palette-${chosen.id}` : undefined}
            aria-label="Search pages, ventures, workflows, agents and actions"
            placeholder="Go to or do…"
            autoFocus
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={onKeyDown}
          />
          <ul id="palette-list" role="listbox" className="palette-list" aria-label="Results">
            {commands.length === 0 ? (
              <li className="muted palette-empty" role="presentation">
                Nothing matches “{text}”.
              </li>
            ) : null}
            {commands.map((command, index) => (
              <li
                key={command.id}
                id={`palette-${command.id}`}
                role="option"
                aria-selected={command === chosen}
                data-command={command.id}
                className={command === chosen ? 'palette-option active' : 'palette-option'}
                onMouseMove={() => setActive(index)}
                onClick={() => go(command)}
              >
                <span className="palette-group">{command.group}</span>
                <span className="palette-label">{command.label}</span>
                {command.hint ? <span className="muted small">{command.hint}</span> : null}
              </li>
            ))}
          </ul>
          <p className="muted small palette-keys">
            <kbd>↑</kbd> <kbd>↓</kbd> choose · <kbd>Enter</kbd> open · <kbd>Esc</kbd> close
          </p>
        </>
      ) : null}
    </dialog>
  );
}
