import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * Renders `children` once the placeholder comes near the viewport: charts (and the Recharts
 * chunk) below the fold are neither downloaded nor drawn until someone scrolls to them.
 */
export function WhenVisible(props: {
  children: ReactNode;
  minHeight: number;
  label: string;
  /**
   * How near the viewport counts as visible (a CSS margin around the viewport; default 200px
   * ahead). A negative bottom margin (e.g. `0px 0px -25% 0px`) waits until the place is well
   * inside the viewport, not just touching its bottom edge.
   */
  margin?: string;
  /** What stands in the place until then (default: a panel of `minHeight` with `label`). */
  placeholder?: ReactNode;
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
  if (props.placeholder) {
    return (
      <div ref={ref} className="when-visible" style={{ minHeight: props.minHeight }}>
        {props.placeholder}
      </div>
    );
  }
  return (
    <div ref={ref} className="panel when-visible" style={{ minHeight: props.minHeight }}>
      <p className="muted small">{props.label}</p>
    </div>
  );
}
