import type { ReactNode } from 'react';

/** The centred card of the pages used signed out (sign-in, joining by invitation). */
export function AuthCard(props: { children: ReactNode }) {
  return (
    <div className="login-page">
      <main id="main" className="login-card glass">
        <div className="login-brand">
          <img src="/icon.svg" alt="" width="44" height="44" />
          <div>
            <p className="brand-name">IZA OS</p>
            <p className="muted small">Autonomous venture studio</p>
          </div>
        </div>
        {props.children}
      </main>
    </div>
  );
}
