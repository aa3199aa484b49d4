/**
 * Dark and light themes: the person's choice (localStorage `iza-theme`) or, without one, the
 * system's `prefers-color-scheme`. Applied as `data-theme` on <html> by main.tsx before the
 * first render (no inline script: the CSP forbids them).
 */
export type Theme = 'light' | 'dark';
const KEY = 'iza-theme';

export function storedTheme(): Theme | null {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : null;
  } catch {
    return null;
  }
}

export function systemTheme(): Theme {
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function currentTheme(): Theme {
  return storedTheme() ?? systemTheme();
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  const color = theme === 'dark' ? '#0b1020' : '#eef2fb';
  for (const meta of document.querySelectorAll<HTMLMetaElement>('meta[name="theme-color"]')) {
    meta.content = color;
  }
}

export function saveTheme(theme: Theme): void {
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // private mode: the choice lasts for this page only
  }
  applyTheme(theme);
}
