import { Link } from 'react-router';
import type { Mover, Overview } from '../api/types.ts';
import { Panel } from '../components/ui.tsx';
import { formatBasisPoints, formatCount, formatGrowth, formatMoney } from '../format.ts';

function tone(bp: number | null): string {
  if (bp === null || bp === 0) return 'tone-flat';
  return bp > 0 ? 'tone-up' : 'tone-down';
}

/**
 * The categories in one table, largest MRR first, each with its share of the portfolio's MRR as
 * an inline bar: the comparison a grid of tiles made hard.
 */
export function CategoryTable(props: { overview: Overview }) {
  const { overview } = props;
  const currency = overview.currency;
  return (
    <Panel title="Categories" id="categories">
      <div className="table-scroll">
        <table className="data-table category-table" data-testid="category-table">
          <caption className="visually-hidden">
            MRR per category in {currency}, with its share of the portfolio and its like-for-like
            change
          </caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col" className="num">
                Ventures
              </th>
              <th scope="col" className="num">
                MRR ({currency})
              </th>
              <th scope="col" className="share-col">
                Share
              </th>
              <th scope="col" className="num">
                Change
              </th>
            </tr>
          </thead>
          <tbody>
            {overview.categories.map((c) => (
              <tr key={c.key} data-category={c.key}>
                <th scope="row">
                  <Link to={`/businesses?category=${encodeURIComponent(c.key)}`}>{c.label}</Link>
                </th>
                <td className="num" data-metric={`category.${c.key}.ventures`}>
                  {formatCount(c.ventures)}
                </td>
                <td className="num" data-metric={`category.${c.key}.mrr`}>
                  {formatMoney(c.mrr.current, currency)}
                </td>
                <td className="share-col">
                  <span className="share">
                    <span className="share-bar" style={{ width: `${c.shareBp / 100}%` }} />
                    <span className="share-text">{formatBasisPoints(c.shareBp, 1)}</span>
                  </span>
                </td>
                <td className={`num ${tone(c.mrr.growthBp)}`}>{formatGrowth(c.mrr.growthBp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}

function MoverList(props: { title: string; movers: Mover[]; currency: string; kind: string }) {
  return (
    <div className="movers-list" data-movers={props.kind}>
      <h3>{props.title}</h3>
      {props.movers.length === 0 ? (
        <p className="muted small">None this month.</p>
      ) : (
        <ol>
          {props.movers.map((m) => (
            <li key={m.ventureId} data-venture={m.slug}>
              <Link to={`/businesses/${encodeURIComponent(m.slug)}`}>{m.name}</Link>
              <span className={`num ${tone(m.growthBp)}`}>
                {BigInt(m.change) > 0n ? '+' : '−'}
                {formatMoney(m.change.replace(/^-/, ''), props.currency)}{' '}
                <span className="small">({formatGrowth(m.growthBp)})</span>
              </span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** The five ventures whose MRR rose most and the five whose fell most, like for like. */
export function Movers(props: { overview: Overview }) {
  const { overview } = props;
  return (
    <Panel title="Top movers" id="movers">
      <p className="muted small">
        MRR change against the month before, both months at this month’s rates.
      </p>
      <div className="movers">
        <MoverList title="Up" kind="up" movers={overview.movers.up} currency={overview.currency} />
        <MoverList
          title="Down"
          kind="down"
          movers={overview.movers.down}
          currency={overview.currency}
        />
      </div>
    </Panel>
  );
}
