/**
 * The dashboard's few icons, drawn as inline SVG in the text's colour and at its size. Symbol
 * characters (☀, ☰, ▲) would render in whatever font of the system has them: a different look
 * on every platform, and a search through the system's fonts before the first layout.
 */
import type { ReactNode } from 'react';

function Icon(props: { children: ReactNode; className?: string }) {
  return (
    <svg
      className={`icon ${props.className ?? ''}`}
      viewBox="0 0 24 24"
      width="1em"
      height="1em"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {props.children}
    </svg>
  );
}

export function SunIcon() {
  return (
    <Icon>
      <circle cx="12" cy="12" r="4" />
      <path d="M12 2v2M12 20v2M4.93 4.93l1.41 1.41M17.66 17.66l1.41 1.41M2 12h2M20 12h2M4.93 19.07l1.41-1.41M17.66 6.34l1.41-1.41" />
    </Icon>
  );
}

export function MoonIcon() {
  return (
    <Icon>
      <path d="M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5z" />
    </Icon>
  );
}

export function MenuIcon() {
  return (
    <Icon>
      <path d="M4 6h16M4 12h16M4 18h16" />
    </Icon>
  );
}

/** The sort state of a table column: ascending, descending, or not sorted by it. */
export function SortIcon(props: { order: 'asc' | 'desc' | null }) {
  return (
    <Icon className="sort-arrow">
      {props.order === 'asc' ? <path d="M6 15l6-6 6 6" /> : null}
      {props.order === 'desc' ? <path d="M6 9l6 6 6-6" /> : null}
      {props.order === null ? <path d="M8 9l4-4 4 4M8 15l4 4 4-4" /> : null}
    </Icon>
  );
}

/** A chevron pointing right (turned down by CSS on an open branch). */
export function ChevronIcon() {
  return (
    <Icon className="chevron">
      <path d="M9 6l6 6-6 6" />
    </Icon>
  );
}

export function CheckIcon() {
  return (
    <Icon>
      <path d="M5 12.5l4.5 4.5L19 7.5" />
    </Icon>
  );
}
