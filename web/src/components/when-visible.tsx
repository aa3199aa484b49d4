import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * Renders `children` once the placeholder comes near the viewport: charts (and the Recharts
 * chunk) below the fold are neither downloaded nor drawn until someone scrolls to them.
 */
export function WhenVisible(props: {
  children: ReactNode;
  minHeight: number;
  label: string;
  /** How near the viewport counts as visible (CSS margin; default 200px ahead). */
  margin?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [visible, setVisible] = useState(typeof IntersectionObserver === 'undefined');
  useEffect(() => {
    if (visible || !ref.current) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) setVisible(true);
      },
      { rootMargin: props.margin ?? '200px' },
    );
    observer.observe(ref.current);
    return () => observer.disconnect();
  }, [visible, props.margin]);
  if (visible) return <>{props.children}</>;
  return (
    <div ref={ref} className="panel when-visible" style={{ minHeight: props.minHeight }}>
      <p className="muted small">{props.label}</p>
    </div>
  );
}
