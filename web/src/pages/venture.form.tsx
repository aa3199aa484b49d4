import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../api/client.ts';
import { keys, useCategories } from '../api/queries.ts';
import { STAGES, type Entity, type Member, type Venture } from '../api/types.ts';
import { Dialog } from '../components/dialog.tsx';
import { Field, FormError, TextField, fieldProblems } from '../components/form.tsx';

/** A slug from a name: lower case, a-z 0-9 and single dashes, at most 63 characters. */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

interface Draft {
  name: string;
  slug: string;
  description: string;
  category: string;
  stage: Venture['stage'];
  ownerId: string;
  siteUrl: string;
  repositoryUrl: string;
  tags: string;
  ledgerEntityId: string;
}

function draftOf(venture: Venture | undefined): Draft {
  return {
    name: venture?.name ?? '',
    slug: venture?.slug ?? '',
    description: venture?.description ?? '',
    category: venture?.category ?? '',
    stage: venture?.stage ?? 'idea',
    ownerId: venture?.ownerId ?? '',
    siteUrl: venture?.siteUrl ?? '',
    repositoryUrl: venture?.repositoryUrl ?? '',
    tags: venture?.tags.join(', ') ?? '',
    ledgerEntityId: venture?.ledgerEntityId ?? '',
  };
}

/** The body the API takes: empty optional fields become null (cleared), tags a list. */
function bodyOf(draft: Draft, canSetOwner: boolean) {
  const orNull = (text: string) => (text.trim() === '' ? null : text.trim());
  return {
    slug: draft.slug.trim(),
    name: draft.name,
    description: orNull(draft.description),
    category: draft.category,
    stage: draft.stage,
    ...(canSetOwner ? { ownerId: orNull(draft.ownerId) } : {}),
    siteUrl: orNull(draft.siteUrl),
    repositoryUrl: orNull(draft.repositoryUrl),
    tags: draft.tags
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean),
    ledgerEntityId: orNull(draft.ledgerEntityId),
  };
}

/**
 * Creates a venture (no `venture`) or edits one: name, slug, category, stage, owner (for
 * administrators, who may list members), links, tags and its ledger entity. Problems the API
 * names per field show beside the field; on success the venture's page opens.
 */
export function VentureFormDialog(props: {
  open: boolean;
  onClose: () => void;
  venture?: Venture;
  isAdmin: boolean;
}) {
  const creating = !props.venture;
  const [draft, setDraft] = useState<Draft>(() => draftOf(props.venture));
  const [slugTouched, setSlugTouched] = useState(!creating);
  const categories = useCategories();
  const entities = useQuery({
    queryKey: keys.entities,
    queryFn: () => api.get<Entity[]>('/api/v1/ledger/entities'),
    enabled: props.open,
  });
  const members = useQuery({
    queryKey: ['access', 'users'],
    queryFn: () => api.get<Member[]>('/api/v1/users'),
    enabled: props.open && props.isAdmin,
  });
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const save = useMutation({
    mutationFn: () => {
      const body = bodyOf(draft, props.isAdmin);
      return creating
        ? api.post<Venture>('/api/v1/portfolio/ventures', body)
        : api.patch<Venture>(`/api/v1/portfolio/ventures/${props.venture!.id}`, body);
    },
    onSuccess: async (venture) => {
      await queryClient.invalidateQueries({ queryKey: ['portfolio'] });
      props.onClose();
      if (creating || venture.slug !== props.venture?.slug) {
        void navigate(`/businesses/${encodeURIComponent(venture.slug)}`);
      }
    },
  });
  const problems = fieldProblems(save.error);
  const set = (changes: Partial<Draft>) => setDraft((d) => ({ ...d, ...changes }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const close = () => {
    save.reset();
    setDraft(draftOf(props.venture));
    props.onClose();
  };

  return (
    <Dialog
      id="venture-form"
      title={creating ? 'New venture' : `Edit ${props.venture!.name}`}
      open={props.open}
      onClose={close}
    >
      <form onSubmit={submit} noValidate>
        <div className="form-grid">
          <Field id="venture-name" label="Name" problem={problems.get('name')}>
            {(aria) => (
              <input
                {...aria}
                required
                maxLength={200}
                value={draft.name}
                onChange={(e) =>
                  set({
                    name: e.target.value,
                    ...(slugTouched ? {} : { slug: slugOf(e.target.value) }),
                  })
                }
              />
            )}
          </Field>
          <Field
            id="venture-slug"
            label="Slug"
            hint="In addresses: a-z, 0-9 and dashes"
            problem={problems.get('slug')}
          >
            {(aria) => (
              <input
                {...aria}
                required
                maxLength={63}
                value={draft.slug}
                onChange={(e) => {
                  setSlugTouched(true);
                  set({ slug: e.target.value });
                }}
              />
            )}
          </Field>
          <Field id="venture-category-input" label="Category" problem={problems.get('category')}>
            {(aria) => (
              <select
                {...aria}
                required
                value={draft.category}
                onChange={(e) => set({ category: e.target.value })}
              >
                <option value="">Choose a category</option>
                {(categories.data ?? []).map((c) => (
                  <option key={c.key} value={c.key}>
                    {c.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="venture-stage-input" label="Stage" problem={problems.get('stage')}>
            {(aria) => (
              <select
                {...aria}
                value={draft.stage}
                onChange={(e) => set({ stage: e.target.value as Venture['stage'] })}
              >
                {STAGES.map((stage) => (
                  <option key={stage} value={stage}>
                    {stage}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {props.isAdmin ? (
            <Field id="venture-owner" label="Owner" problem={problems.get('ownerId')}>
              {(aria) => (
                <select
                  {...aria}
                  value={draft.ownerId}
                  onChange={(e) => set({ ownerId: e.target.value })}
                >
                  <option value="">No owner</option>
                  {(members.data ?? [])
                    .filter((m) => m.role !== 'bot')
                    .map((m) => (
                      <option key={m.id} value={m.id}>
                        {m.name} ({m.email})
                      </option>
                    ))}
                </select>
              )}
            </Field>
          ) : null}
          <Field id="venture-entity" label="Ledger entity" problem={problems.get('ledgerEntityId')}>
            {(aria) => (
              <select
                {...aria}
                value={draft.ledgerEntityId}
                onChange={(e) => set({ ledgerEntityId: e.target.value })}
              >
                <option value="">None</option>
                {(entities.data ?? []).map((entity) => (
                  <option key={entity.id} value={entity.id}>
                    {entity.code}: {entity.name} ({entity.baseCurrency})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <TextField
            id="venture-site"
            label="Site"
            problem={problems.get('siteUrl')}
            type="url"
            placeholder="https://"
            value={draft.siteUrl}
            onChange={(v) => set({ siteUrl: v })}
          />
          <TextField
            id="venture-repository"
            label="Repository"
            problem={problems.get('repositoryUrl')}
            type="url"
            placeholder="https://"
            value={draft.repositoryUrl}
            onChange={(v) => set({ repositoryUrl: v })}
          />
          <TextField
            id="venture-tags"
            label="Tags"
            hint="Separated by commas"
            problem={problems.get('tags')}
            value={draft.tags}
            onChange={(v) => set({ tags: v })}
          />
        </div>
        <Field id="venture-description" label="Description" problem={problems.get('description')}>
          {(aria) => (
            <textarea
              {...aria}
              rows={3}
              maxLength={5000}
              value={draft.description}
              onChange={(e) => set({ description: e.target.value })}
            />
          )}
        </Field>
        {problems.size === 0 ? <FormError error={save.error} /> : null}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : creating ? 'Create venture' : 'Save changes'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
