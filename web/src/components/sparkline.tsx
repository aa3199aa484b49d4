/**
 * A small line of a series (a year of months) beside a figure: its shape, not its values (the
 * figure and its chart hold those). Points without a value break the line. Drawn as SVG, no
 * chart library: Home shows several above the fold.
 */
export function Sparkline(props: {
  values: (number | null)[];
  label: string;
  width?: number;
  height?: number;
}) {
  const width = props.width ?? 120;
  const height = props.height ?? 32;
  const known = props.values.filter((v): v is number => v !== null);
  if (known.length < 2) return null;
  const min = Math.min(...known);
  const max = Math.max(...known);
  const span = max - min || 1;
  const step = width / Math.max(props.values.length - 1, 1);
  const y = (v: number) => height - 2 - ((v - min) / span) * (height - 4);
  const segments: string[] = [];
  let current = '';
  props.values.forEach((v, i) => {
    if (v === null) {
      if (current) segments.push(current);
      current = '';
      return;
    }
    current += `${current ? ' L' : 'M'}${(i * step).toFixed(1)},${y(v).toFixed(1)}`;
  });
  if (current) segments.push(current);
  const last = props.values.length - 1;
  const lastValue = props.values[last];
  return (
    <svg
      className="sparkline"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={props.label}
    >
      <path d={segments.join(' ')} fill="none" strokeWidth="1.5" />
      {lastValue !== null && lastValue !== undefined ? (
        <circle cx={last * step} cy={y(lastValue)} r="2.5" />
      ) : null}
    </svg>
  );
}
