import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import { Dialog } from '../components/dialog.tsx';
import { FormError } from '../components/form.tsx';
import { formatCount } from '../format.ts';

interface ImportResult {
  dryRun: boolean;
  rows: number;
  valid: number;
  applied: number;
  errors: { row: number; column: string; reason: string }[];
}

const EXAMPLE = 'venture,metric,date,value,currency\nacme,mrr,2026-11,1250.50,EUR';

/**
 * Imports KPIs from a CSV file (venture slug, metric, date, value as people write it, currency):
 * check first (nothing written), then import; every invalid row is listed with its line,
 * column and reason, and the valid rows are written in one transaction.
 */
export function ImportKpisDialog(props: { open: boolean; onClose: () => void }) {
  const [csv, setCsv] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const run = useMutation({
    mutationFn: (dryRun: boolean) =>
      api.post<ImportResult>('/api/v1/portfolio/kpis/import', { csv, dryRun }),
    onSuccess: async (result) => {
      if (!result.dryRun) await queryClient.invalidateQueries({ queryKey: ['portfolio'] });
    },
  });
  const result = run.data;
  const close = () => {
    run.reset();
    setCsv('');
    setFileName(null);
    props.onClose();
  };
  return (
    <Dialog
      id="kpi-import"
      title="Import KPIs from CSV"
      description={
        <>
          Columns <code>venture</code> (slug), <code>metric</code>, <code>date</code> (YYYY-MM or
          YYYY-MM-DD), <code>value</code> (money in currency units, percent in percent) and{' '}
          <code>currency</code> for money.
        </>
      }
      open={props.open}
      onClose={close}
    >
      <div className="field">
        <label htmlFor="kpi-import-file">CSV file</label>
        <input
          id="kpi-import-file"
          type="file"
          accept=".csv,text/csv,text/plain"
          onChange={(e) => {
            const file = e.target.files?.[0];
            run.reset();
            if (!file) return;
            setFileName(file.name);
            void file.text().then(setCsv);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor="kpi-import-text">Or paste it</label>
        <textarea
          id="kpi-import-text"
          rows={5}
          className="mono"
          placeholder={EXAMPLE}
          value={csv}
          onChange={(e) => {
            run.reset();
            setFileName(null);
            setCsv(e.target.value);
          }}
        />
      </div>
      <FormError error={run.error} />
      {result ? (
        <div
          className={`notice ${result.errors.length ? 'notice-error' : 'notice-success'}`}
          role="status"
          data-testid="kpi-import-report"
        >
          <p>
            {fileName ? `${fileName}: ` : ''}
            {formatCount(result.rows)} {result.rows === 1 ? 'row' : 'rows'},{' '}
            {formatCount(result.valid)} valid
            {result.dryRun ? ': nothing written yet.' : `, ${formatCount(result.applied)} written.`}
            {result.errors.length ? ` ${formatCount(result.errors.length)} to fix:` : ''}
          </p>
          {result.errors.length ? (
            <div className="table-scroll">
              <table className="data-table compact">
                <caption className="visually-hidden">Rows that could not be imported</caption>
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      Line
                    </th>
                    <th scope="col">Column</th>
                    <th scope="col">Problem</th>
                  </tr>
                </thead>
                <tbody>
                  {result.errors.slice(0, 200).map((error) => (
                    <tr key={`${error.row}-${error.column}`} data-row={error.row}>
                      <td className="num">{error.row}</td>
                      <td>
                        <code>{error.column}</code>
                      </td>
                      <td>{error.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </div>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={close}>
          Close
        </button>
        <button
          type="button"
          className="button"
          disabled={!csv.trim() || run.isPending}
          onClick={() => run.mutate(true)}
        >
          Check
        </button>
        <button
          type="button"
          className="button button-primary"
          disabled={!csv.trim() || run.isPending}
          onClick={() => run.mutate(false)}
        >
          {run.isPending ? 'Importing…' : 'Import valid rows'}
        </button>
      </div>
    </Dialog>
  );
}
