import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { NavLink, useLocation, useNavigate } from 'react-router';
import { api } from '../api/client.ts';
import { useLiveEvents, type LiveState } from '../api/live.ts';
import type { Me } from '../api/types.ts';
import { CommandPalette, OPEN_PALETTE } from './command-palette.tsx';
import { MenuIcon, MoonIcon, SunIcon } from './icons.tsx';
import { currentTheme, saveTheme, type Theme } from '../theme.ts';

const NAV = [
  { to: '/', label: 'Home', end: true },
  { to: '/businesses', label: 'Businesses', end: false },
  { to: '/financial', label: 'Financial', end: false },
  { to: '/workflows', label: 'Workflows', end: false },
  { to: '/agents', label: 'Agents', end: false },
  { to: '/monitoring', label: 'Monitoring', end: false },
  { to: '/settings', label: 'Settings', end: false },
] as const;

function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  }, []);
  return online;
}

/** Header, navigation, banners and the page (`children`) in <main>. */
export function Shell(props: { me: Me | null; children: ReactNode }) {
  const { me } = props;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const online = useOnline();
  const live = useLiveEvents(queryClient, me !== null && online);
  const [menuOpen, setMenuOpen] = useState(false);
  const [theme, setTheme] = useState<Theme>(currentTheme);
  const [signingOut, setSigningOut] = useState(false);

  useEffect(() => setMenuOpen(false), [location.pathname]);

  const toggleTheme = () => {
    const next = theme === 'dark' ? 'light' : 'dark';
    saveTheme(next);
    setTheme(next);
  };

  const signOut = async () => {
    setSigningOut(true);
    try {
      // An expired access token is refreshed first, so the server really ends the session.
      await api.post('/api/v1/auth/logout', {});
    } catch {
      // the session is gone either way once the cookies are
    }
    queryClient.clear();
    void navigate('/login', { replace: true });
  };

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar glass">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            <img src="/icon.svg" alt="" width="28" height="28" />
          </span>
          <span className="brand-name">IZA OS</span>
          {me ? (
            <span className="org" data-testid="organisation">
              {me.organisation.name}
            </span>
          ) : null}
        </div>
        <div className="topbar-tools">
          {me ? (
            <button
              type="button"
              className="button button-quiet palette-button"
              onClick={() => window.dispatchEvent(new Event(OPEN_PALETTE))}
              aria-keyshortcuts="Control+K Meta+K"
            >
              Search <kbd>Ctrl K</kbd>
            </button>
          ) : null}
          <LiveIndicator state={online ? live : 'offline'} />
          <button
            type="button"
            className="icon-button"
            onClick={toggleTheme}
            aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
            data-testid="theme-toggle"
          >
            {theme === 'dark' ? <SunIcon /> : <MoonIcon />}
          </button>
          {me ? (
            <div className="user">
              <span className="user-role" data-testid="user-role" title={me.email ?? undefined}>
                {me.kind === 'user' ? `${me.name ?? 'Signed in'} · ${me.role}` : me.kind}
              </span>
              <button
                type="button"
                className="button button-quiet"
                onClick={() => void signOut()}
                disabled={signingOut}
                data-testid="logout"
              >
                Sign out
              </button>
            </div>
          ) : null}
          <button
            type="button"
            className="icon-button menu-button"
            aria-expanded={menuOpen}
            aria-controls="primary-nav"
            onClick={() => setMenuOpen((open) => !open)}
          >
            <MenuIcon />
            <span className="visually-hidden">Menu</span>
          </button>
        </div>
      </header>
      <nav id="primary-nav" className={`sidebar glass ${menuOpen ? 'open' : ''}`} aria-label="Main">
        <ul>
          {NAV.map((item) => (
            <li key={item.to}>
              <NavLink to={item.to} end={item.end}>
                {item.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {!online ? (
          <div className="banner banner-offline" role="status" data-testid="offline-banner">
            You are offline. IZA OS shows its shell; figures return when the connection does.
          </div>
        ) : null}
        {me?.mfaEnrolmentRequired ? (
          <div className="banner banner-warn" role="status">
            Your organisation requires two-factor authentication for administrators.{' '}
            <NavLink to="/settings#mfa">Enrol now</NavLink> to use the rest of IZA OS.
          </div>
        ) : null}
        {props.children}
      </main>
      <CommandPalette me={me} />
    </div>
  );
}

function LiveIndicator(props: { state: LiveState }) {
  const label =
    props.state === 'live'
      ? 'Live updates on'
      : props.state === 'connecting'
        ? 'Connecting to live updates'
        : 'Live updates offline';
  return (
    <span
      className={`live live-${props.state}`}
      data-testid="live-indicator"
      data-state={props.state}
    >
      <span className="live-dot" aria-hidden="true" />
      <span className="live-text">
        {props.state === 'live' ? 'Live' : props.state === 'connecting' ? 'Connecting' : 'Offline'}
      </span>
      <span className="visually-hidden">{label}</span>
    </span>
  );
}
