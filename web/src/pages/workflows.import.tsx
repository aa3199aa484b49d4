import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type DragEvent } from 'react';
import { api } from '../api/client.ts';
import { Dialog } from '../components/dialog.tsx';
import { FormError } from '../components/form.tsx';
import { formatCount } from '../format.ts';

interface FileReport {
  file: string;
  status: 'imported' | 'imported_unsupported' | 'refused';
  id?: string;
  name?: string;
  unsupported?: { type: string }[];
  code?: string;
  reason?: string;
}
interface ImportReport {
  imported: number;
  importedUnsupported: number;
  refused: number;
  files: FileReport[];
}
interface Picked {
  file: string;
  content: string;
}

/** Files per request and bytes per request: well under the import route's limits. */
const BATCH_FILES = 200;
const BATCH_BYTES = 8 * 1024 * 1024;

/** Minimal shapes of the File System entries a dropped folder gives (Chromium, Firefox, Safari). */
interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  fullPath: string;
  file?: (ok: (file: File) => void, fail: (error: unknown) => void) => void;
  createReader?: () => {
    readEntries: (ok: (entries: Entry[]) => void, fail: (error: unknown) => void) => void;
  };
}

async function filesOfEntry(entry: Entry, into: { path: string; file: File }[]): Promise<void> {
  if (entry.isFile && entry.file) {
    const file = await new Promise<File>((ok, fail) => entry.file!(ok, fail));
    into.push({ path: entry.fullPath.replace(/^\//, ''), file });
  } else if (entry.isDirectory && entry.createReader) {
    const reader = entry.createReader();
    // readEntries answers in pages until an empty one.
    for (;;) {
      const page = await new Promise<Entry[]>((ok, fail) => reader.readEntries(ok, fail));
      if (page.length === 0) break;
      for (const child of page) await filesOfEntry(child, into);
    }
  }
}

/** The `.json` files of what was dropped or chosen (folders walked), with their paths. */
async function jsonFiles(
  list: { path: string; file: File }[],
): Promise<{ picked: Picked[]; skipped: number }> {
  const json = list.filter((f) => f.path.toLowerCase().endsWith('.json'));
  const picked = await Promise.all(
    json.map(async (f) => ({ file: f.path, content: await f.file.text() })),
  );
  picked.sort((a, b) => a.file.localeCompare(b.file));
  return { picked, skipped: list.length - json.length };
}

function batches(files: Picked[]): Picked[][] {
  const out: Picked[][] = [];
  let current: Picked[] = [];
  let bytes = 0;
  for (const file of files) {
    if (
      current.length > 0 &&
      (current.length >= BATCH_FILES || bytes + file.content.length > BATCH_BYTES)
    ) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.content.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}

const STATUS_LABEL: Record<FileReport['status'], string> = {
  imported: 'imported',
  imported_unsupported: 'imported, cannot run yet',
  refused: 'refused',
};

/**
 * Imports n8n workflow exports: drop files or a whole folder (or choose them), every `.json`
 * is sent, and each file gets its line in the report: imported, imported with node types IZA OS
 * cannot run yet, or refused with the reason. A refused file never stops the others.
 */
export function ImportWorkflowsDialog(props: { open: boolean; onClose: () => void }) {
  const [picked, setPicked] = useState<Picked[]>([]);
  const [skipped, setSkipped] = useState(0);
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const run = useMutation({
    mutationFn: async () => {
      const report: ImportReport = { imported: 0, importedUnsupported: 0, refused: 0, files: [] };
      const parts = batches(picked);
      for (const [index, files] of parts.entries()) {
        setProgress(`Importing part ${formatCount(index + 1)} of ${formatCount(parts.length)}…`);
        const part = await api.post<ImportReport>('/api/v1/workflows/import', { files });
        report.imported += part.imported;
        report.importedUnsupported += part.importedUnsupported;
        report.refused += part.refused;
        report.files.push(...part.files);
      }
      return report;
    },
    onSettled: async () => {
      setProgress(null);
      await queryClient.invalidateQueries({ queryKey: ['workflows'] });
    },
  });
  const take = async (list: { path: string; file: File }[]) => {
    run.reset();
    const found = await jsonFiles(list);
    setPicked(found.picked);
    setSkipped(found.skipped);
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const entries = [...event.dataTransfer.items]
      .map((item) => item.webkitGetAsEntry() as Entry | null)
      .filter((entry): entry is Entry => entry !== null);
    const list: { path: string; file: File }[] = [];
    void Promise.all(entries.map((entry) => filesOfEntry(entry, list))).then(() => take(list));
  };
  const close = () => {
    run.reset();
    setPicked([]);
    setSkipped(0);
    props.onClose();
  };
  const report = run.data;
  return (
    <Dialog id="workflow-import" title="Import n8n workflows" open={props.open} onClose={close}>
      <div
        className={`drop-zone ${dragging ? 'drop-zone-active' : ''}`}
        data-testid="workflow-drop"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
      >
        <p>
          <strong>Drop n8n exports here</strong>: files or a whole folder (every <code>.json</code>{' '}
          in it).
        </p>
        <div className="form-row">
          <div className="field">
            <label htmlFor="workflow-files">Choose files</label>
            <input
              id="workflow-files"
              type="file"
              multiple
              accept=".json,application/json"
              onChange={(e) =>
                void take([...(e.target.files ?? [])].map((file) => ({ path: file.name, file })))
              }
            />
          </div>
          <div className="field">
            <label htmlFor="workflow-folder">Or a folder</label>
            <input
              id="workflow-folder"
              type="file"
              // A folder picker: every file under it, with its relative path.
              {...{ webkitdirectory: '' }}
              onChange={(e) =>
                void take(
                  [...(e.target.files ?? [])].map((file) => ({
                    path: file.webkitRelativePath || file.name,
                    file,
                  })),
                )
              }
            />
          </div>
        </div>
      </div>
      <p role="status" className="muted" data-testid="workflow-picked">
        {picked.length
          ? `${formatCount(picked.length)} ${picked.length === 1 ? 'file' : 'files'} ready`
          : 'No file chosen yet'}
        {skipped ? ` (${formatCount(skipped)} not .json, left out)` : ''}
        {progress ? ` · ${progress}` : ''}
      </p>
      <FormError error={run.error} />
      {report ? (
        <div data-testid="workflow-import-report">
          <p className={report.refused ? 'notice notice-error' : 'notice notice-success'}>
            {formatCount(report.imported)} imported, {formatCount(report.importedUnsupported)}{' '}
            imported with node types that cannot run yet, {formatCount(report.refused)} refused.
          </p>
          <div className="table-scroll">
            <table className="data-table compact">
              <caption className="visually-hidden">What happened to each file</caption>
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Result</th>
                  <th scope="col">Workflow or reason</th>
                </tr>
              </thead>
              <tbody>
                {report.files.map((f) => (
                  <tr key={f.file} data-file={f.file} data-status={f.status}>
                    <td>
                      <code className="small">{f.file}</code>
                    </td>
                    <td>
                      <span
                        className={`badge ${f.status === 'imported' ? 'state-up' : f.status === 'refused' ? 'state-down' : ''}`}
                      >
                        {STATUS_LABEL[f.status]}
                      </span>
                    </td>
                    <td>
                      {f.status === 'refused'
                        ? f.reason
                        : f.unsupported?.length
                          ? `${f.name ?? ''}: ${f.unsupported.map((u) => u.type.replace(/^n8n-nodes-base\./, '')).join(', ')}`
                          : f.name}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={close}>
          Close
        </button>
        <button
          type="button"
          className="button button-primary"
          disabled={picked.length === 0 || run.isPending || Boolean(report)}
          onClick={() => run.mutate()}
        >
          {run.isPending
            ? 'Importing…'
            : `Import ${picked.length ? formatCount(picked.length) : ''} ${picked.length === 1 ? 'file' : 'files'}`}
        </button>
      </div>
    </Dialog>
  );
}
