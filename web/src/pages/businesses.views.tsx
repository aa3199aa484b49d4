import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, messageOf } from '../api/client.ts';
import type { SavedView } from '../api/types.ts';
import { Dialog } from '../components/dialog.tsx';

const VIEWS_KEY = ['portfolio', 'views'] as const;

/** The Businesses address's view as saved: the list's own keys, without the page's cursor. */
export function viewQueryOf(search: string): string {
  const params = new URLSearchParams(search);
  params.delete('cursor');
  params.delete('new');
  params.sort();
  return params.toString();
}

const sameView = (a: string, b: string) => viewQueryOf(a) === viewQueryOf(b);

/**
 * Saved views of the Businesses list (Linear's views): choose one to open its filters, sort and
 * currency; save the view on screen under a name, for yourself or shared with the organisation;
 * delete your own (administrators: any shared one).
 */
export function SavedViews(props: { search: string; isAdmin: boolean }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [saving, setSaving] = useState(false);
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const views = useQuery({
    queryKey: VIEWS_KEY,
    queryFn: ({ signal }) => api.get<SavedView[]>('/api/v1/portfolio/views', { signal }),
    staleTime: 60_000,
    retry: false,
  });
  const save = useMutation({
    mutationFn: () =>
      api.post<SavedView>('/api/v1/portfolio/views', {
        name: name.trim(),
        query: viewQueryOf(props.search),
        shared,
      }),
    onSuccess: () => {
      setSaving(false);
      void queryClient.invalidateQueries({ queryKey: VIEWS_KEY });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.delete(`/api/v1/portfolio/views/${id}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: VIEWS_KEY }),
  });
  const list = views.data ?? [];
  const current = list.find((v) => sameView(v.query, props.search));
  const deletable = current && (current.mine || (current.shared && props.isAdmin));

  return (
    <div className="saved-views" data-testid="saved-views">
      <div className="field field-inline">
        <label htmlFor="saved-view">View</label>
        <select
          id="saved-view"
          value={current?.id ?? ''}
          onChange={(e) => {
            const view = list.find((v) => v.id === e.target.value);
            void navigate(view ? `/businesses?${view.query}` : '/businesses');
          }}
        >
          <option value="">{current ? 'All ventures' : 'Unsaved view'}</option>
          {list.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}
              {v.shared ? ' (shared)' : ''}
            </option>
          ))}
        </select>
      </div>
      <button
        type="button"
        className="button"
        onClick={() => {
          setName(current?.mine ? current.name : '');
          setShared(current?.shared ?? false);
          save.reset();
          setSaving(true);
        }}
      >
        Save view
      </button>
      {deletable ? (
        <button
          type="button"
          className="button button-quiet"
          disabled={remove.isPending}
          onClick={() => remove.mutate(current.id)}
        >
          Delete view<span className="visually-hidden"> {current.name}</span>
        </button>
      ) : null}
      <Dialog
        id="save-view"
        title="Save this view"
        open={saving}
        onClose={() => setSaving(false)}
        description="Its filters, sort, page size and currency, under a name."
      >
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <div className="field">
            <label htmlFor="view-name">Name</label>
            <input
              id="view-name"
              required
              maxLength={80}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </div>
          <label className="field-check">
            <input
              id="view-shared"
              type="checkbox"
              checked={shared}
              onChange={(e) => setShared(e.target.checked)}
            />
            Share with the organisation
          </label>
          {save.error ? (
            <p className="tone-down small" role="alert">
              {messageOf(save.error)}
            </p>
          ) : null}
          <div className="dialog-actions">
            <button type="submit" className="button button-primary" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save view'}
            </button>
          </div>
        </form>
      </Dialog>
    </div>
  );
}
