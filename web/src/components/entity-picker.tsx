import {
  useDeferredValue,
  useEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import type { Entity } from '../api/types.ts';
import { CheckIcon, ChevronIcon } from './icons.tsx';
import {
  ancestorIds,
  buildEntityTree,
  splitMatch,
  visibleRows,
  type EntityRow,
} from './entity-tree.ts';

/** Rows drawn at most: past that, typing narrows the list (a phone lays out 400 rows quickly). */
const MAX_ROWS = 400;

const label = (e: Entity) => `${e.code} · ${e.name} (${e.baseCurrency})`;

/**
 * The entity picker: an editable combobox whose popup is the tree of entities (WAI-ARIA
 * combobox with a `tree` popup; focus stays in the text box and `aria-activedescendant` names
 * the tree item in view). Typing filters by code, name or currency, showing each match with the
 * entities above it and the matched text marked. Keys: Down/Up move (Down opens), Right opens a
 * branch or goes to its first child, Left closes it or goes to the parent, Home/End, Enter
 * chooses, Escape closes and restores the chosen entity, Alt+Down/Alt+Up open and close.
 */
export function EntityPicker(props: {
  id: string;
  entities: readonly Entity[];
  value: string;
  onChange: (id: string) => void;
}) {
  const { id, entities, value, onChange } = props;
  const tree = useMemo(() => buildEntityTree(entities), [entities]);
  const chosen = tree.byId.get(value)?.entity;
  const [open, setOpen] = useState(false);
  /** The text typed since the picker opened; null: the chosen entity's label shows. */
  const [typed, setTyped] = useState<string | null>(null);
  const filter = useDeferredValue(typed ?? '');
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set());
  const [activeId, setActiveId] = useState<string | null>(null);
  /** Visual focus is in the tree (reached with the arrows): Left/Right/Home/End act on it. */
  const [inTree, setInTree] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);

  // The top level and the branches down to the chosen entity start open.
  useEffect(() => {
    setExpanded((before) => {
      const next = new Set(before);
      for (const root of tree.roots) next.add(root.entity.id);
      for (const up of ancestorIds(tree, value)) next.add(up);
      return next;
    });
  }, [tree, value]);

  const all = useMemo(() => visibleRows(tree, filter, expanded), [tree, filter, expanded]);
  const rows = all.length > MAX_ROWS ? all.slice(0, MAX_ROWS) : all;
  const filtering = filter.trim() !== '';
  const matches = filtering ? all.filter((r) => r.match).length : all.length;
  const activeIndex = rows.findIndex((r) => r.node.entity.id === activeId);
  const active = activeIndex >= 0 ? rows[activeIndex] : undefined;

  // A new filter puts the first match in view.
  useEffect(() => {
    if (!filtering) return;
    setActiveId(rows.find((r) => r.match)?.node.entity.id ?? null);
    // Only when the filter changes, not when the rows it gives do (opening a branch).
  }, [filter]);

  useEffect(() => {
    if (!open || !activeId) return;
    const item = list.current?.querySelector<HTMLElement>(`[data-entity="${activeId}"]`);
    item?.scrollIntoView({ block: 'nearest' });
  }, [open, activeId]);

  const show = () => {
    if (open) return;
    setOpen(true);
    setActiveId(value);
  };
  const close = () => {
    setOpen(false);
    setTyped(null);
    setInTree(false);
  };
  const choose = (row: EntityRow | undefined) => {
    if (!row) return;
    close();
    if (row.node.entity.id !== value) onChange(row.node.entity.id);
  };
  const toggle = (row: EntityRow, to: boolean) => {
    setExpanded((before) => {
      const next = new Set(before);
      if (to) next.add(row.node.entity.id);
      else next.delete(row.node.entity.id);
      return next;
    });
  };
  const moveTo = (row: EntityRow | undefined) => {
    if (!row) return;
    setActiveId(row.node.entity.id);
    setInTree(true);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const key = event.key;
    const handled = () => event.preventDefault();
    if (key === 'ArrowDown' || key === 'ArrowUp') {
      handled();
      if (event.altKey) {
        if (key === 'ArrowDown') show();
        else close();
        return;
      }
      if (!open) {
        show();
        setInTree(true);
        return;
      }
      const from = activeIndex < 0 ? (key === 'ArrowDown' ? -1 : rows.length) : activeIndex;
      const step = key === 'ArrowDown' ? 1 : -1;
      moveTo(rows[Math.min(Math.max(from + step, 0), rows.length - 1)]);
    } else if (key === 'Enter') {
      if (open) {
        handled();
        choose(active);
      }
    } else if (key === 'Escape') {
      if (open || typed !== null) {
        handled();
        close();
      }
    } else if (key === 'Tab') {
      close();
    } else if (open && inTree && active && (key === 'ArrowRight' || key === 'ArrowLeft')) {
      handled();
      const branch = active.node.children.length > 0;
      if (key === 'ArrowRight') {
        if (branch && !active.expanded && !filtering) toggle(active, true);
        else if (active.expanded) moveTo(rows[activeIndex + 1]);
      } else if (active.expanded && !filtering) {
        toggle(active, false);
      } else if (active.node.parent) {
        const parentId = active.node.parent.entity.id;
        moveTo(rows.find((r) => r.node.entity.id === parentId));
      }
    } else if (open && inTree && (key === 'Home' || key === 'End')) {
      handled();
      moveTo(key === 'Home' ? rows[0] : rows.at(-1));
    }
  };

  const popupOpen = open && rows.length > 0;
  const treeId = `${id}-tree`;
  const optionId = (entityId: string) => `${id}-item-${entityId}`;
  return (
    <div
      className="picker"
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget)) close();
      }}
    >
      <div className="picker-box">
        <input
          ref={input}
          id={id}
          type="text"
          role="combobox"
          aria-haspopup="tree"
          aria-expanded={popupOpen}
          aria-controls={popupOpen ? treeId : undefined}
          aria-autocomplete="list"
          aria-activedescendant={popupOpen && active ? optionId(active.node.entity.id) : undefined}
          aria-describedby={`${id}-keys`}
          autoComplete="off"
          spellCheck={false}
          placeholder="Type a code, name or currency"
          value={typed ?? (chosen ? label(chosen) : '')}
          onChange={(event) => {
            setTyped(event.target.value);
            setInTree(false);
            setOpen(true);
          }}
          onFocus={(event) => event.target.select()}
          onClick={show}
          onKeyDown={onKeyDown}
        />
        <button
          type="button"
          className="picker-toggle"
          tabIndex={-1}
          aria-label={open ? 'Close the list of entities' : 'Show the list of entities'}
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => {
            if (open) close();
            else show();
            input.current?.focus();
          }}
        >
          <ChevronIcon />
        </button>
      </div>
      <span id={`${id}-keys`} className="visually-hidden">
        Type to filter. Down and up arrows move through the tree, right and left open and close a
        branch, Enter chooses, Escape closes.
      </span>
      <span className="visually-hidden" role="status">
        {open ? `${matches} ${matches === 1 ? 'entity' : 'entities'}` : ''}
      </span>
      {open ? (
        <div className="picker-popup" onMouseDown={(event) => event.preventDefault()}>
          {rows.length === 0 ? (
            <p className="muted picker-empty">No entity matches “{typed}”.</p>
          ) : (
            <ul ref={list} id={treeId} role="tree" aria-label="Entities" className="picker-tree">
              {rows.map((row) => (
                <TreeItem
                  key={row.node.entity.id}
                  id={optionId(row.node.entity.id)}
                  row={row}
                  query={filter}
                  active={row === active}
                  current={row.node.entity.id === value}
                  onChoose={() => choose(row)}
                  onToggle={() => toggle(row, !row.expanded)}
                  canToggle={!filtering}
                />
              ))}
            </ul>
          )}
          {all.length > rows.length ? (
            <p className="muted small picker-more">
              {all.length - rows.length} more: type to narrow the list.
            </p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

function TreeItem(props: {
  id: string;
  row: EntityRow;
  query: string;
  active: boolean;
  current: boolean;
  canToggle: boolean;
  onChoose: () => void;
  onToggle: () => void;
}) {
  const { row, query } = props;
  const { entity, level, children } = row.node;
  const branch = children.length > 0;
  return (
    <li
      id={props.id}
      role="treeitem"
      aria-level={level}
      aria-setsize={row.siblings}
      aria-posinset={row.position}
      aria-expanded={branch ? row.expanded : undefined}
      aria-selected={props.active}
      aria-current={props.current ? 'true' : undefined}
      data-entity={entity.id}
      data-code={entity.code}
      className={[
        'picker-item',
        props.active ? 'active' : '',
        row.match ? '' : 'context',
        props.current ? 'current' : '',
      ].join(' ')}
      style={{ paddingInlineStart: `${0.35 + (level - 1) * 1.1}rem` }}
      onClick={props.onChoose}
    >
      <span
        className={`picker-twisty ${row.expanded ? 'open' : ''}`}
        aria-hidden="true"
        onClick={(event) => {
          if (!branch || !props.canToggle) return;
          event.stopPropagation();
          props.onToggle();
        }}
      >
        {branch ? <ChevronIcon /> : null}
      </span>
      <span className="picker-text">
        <span className="picker-code">{marked(entity.code, row.match ? query : '')}</span>{' '}
        {marked(entity.name, row.match ? query : '')}
      </span>
      <span className="picker-meta">
        {entity.kind === 'holding' ? 'holding · ' : ''}
        {marked(entity.baseCurrency, row.match ? query : '')}
      </span>
      {props.current ? (
        <span className="picker-check" title="Shown now">
          <CheckIcon />
        </span>
      ) : null}
    </li>
  );
}

/** The text with the filter's first occurrence in a <mark>. */
function marked(text: string, query: string): ReactNode {
  const parts = splitMatch(text, query);
  if (!parts) return text;
  return (
    <>
      {parts.before}
      <mark>{parts.match}</mark>
      {parts.after}
    </>
  );
}
