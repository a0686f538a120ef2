// Small shared pieces: refusals shown with their reason, loading and empty
// states, paged lists, confirmation before destructive actions, copy
// buttons, dates.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Json, type Page } from './api/client';

/** Words for the problem codes and reasons people meet most. */
const reasonText: Record<string, string> = {
  missing_permission: 'your roles in this organization do not include this permission',
  readonly: 'your membership is read-only',
  last_owner: 'an organization must keep at least one owner',
};

/** Shows a refusal with its reason, from the problem+json body. */
export function ProblemView({ error }: { error: unknown }) {
  if (!error) return null;
  if (!(error instanceof ApiError)) {
    return (
      <div role="alert" class="problem">
        <strong>Something went wrong.</strong> {error instanceof Error ? error.message : String(error)}
      </div>
    );
  }
  const p = error.problem;
  return (
    <div role="alert" class="problem" data-code={p.code}>
      <strong>{p.title || `Error ${error.status}`}</strong>
      {p.detail && <span class="problem-detail">: {p.detail}</span>}
      <ul class="problem-facts">
        {p.reason && (
          <li>
            Reason: <code>{p.reason}</code>
            {reasonText[p.reason] ? ` (${reasonText[p.reason]})` : ''}
          </li>
        )}
        {p.limit && (
          <li>
            Limit reached: <code>{p.limit}</code>
          </li>
        )}
        {p.code && p.code !== p.reason && (
          <li class="muted">
            Code: <code>{p.code}</code>
          </li>
        )}
        {(p.errors || []).map((e: Json) => (
          <li>
            <code>{e.field}</code>: {e.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Loading({ what = '' }: { what?: string }) {
  return (
    <p aria-busy="true" class="loading">
      Loading{what ? ' ' + what : ''}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** A list route read page by page ("Load more"), with reload. */
export function usePaged(load: (cursor?: string) => Promise<Page>, deps: unknown[]) {
  const [items, setItems] = useState<Json[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const gen = useRef(0);
  const fetchPage = useCallback(
    async (cursor?: string) => {
      const mine = ++gen.current;
      setLoading(true);
      setError(null);
      try {
        const p = await load(cursor);
        if (mine !== gen.current) return;
        setItems((prev) => (cursor ? [...prev, ...(p?.items || [])] : p?.items || []));
        setNext(p?.nextCursor || undefined);
      } catch (e) {
        if (mine === gen.current) setError(e);
      } finally {
        if (mine === gen.current) setLoading(false);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    deps,
  );
  useEffect(() => {
    setItems([]);
    fetchPage();
  }, [fetchPage]);
  return {
    items,
    loading,
    error,
    hasMore: !!next,
    more: () => fetchPage(next),
    reload: () => fetchPage(),
  };
}

export function Pager({ list }: { list: { hasMore: boolean; loading: boolean; more: () => void; items: unknown[] } }) {
  return (
    <div class="pager">
      <small class="muted">
        {list.items.length} shown{list.hasMore ? ', more available' : ''}
      </small>
      {list.hasMore && (
        <button type="button" class="secondary outline" onClick={list.more} disabled={list.loading}>
          Load more
        </button>
      )}
    </div>
  );
}

// One confirmation dialog for the whole app.
let openConfirm: ((q: ConfirmQuestion) => void) | null = null;
interface ConfirmQuestion {
  title: string;
  body: ComponentChildren;
  action: string;
  resolve: (ok: boolean) => void;
}

/** Asks before a destructive action; resolves true when confirmed. */
export function confirmAction(title: string, body: ComponentChildren, action = 'Confirm'): Promise<boolean> {
  return new Promise((resolve) => {
    if (!openConfirm) return resolve(window.confirm(title));
    openConfirm({ title, body, action, resolve });
  });
}

export function ConfirmHost() {
  const [q, setQ] = useState<ConfirmQuestion | null>(null);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    openConfirm = setQ;
    return () => {
      openConfirm = null;
    };
  }, []);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (q && !d.open) d.showModal();
    if (!q && d.open) d.close();
  }, [q]);
  const answer = (ok: boolean) => {
    q?.resolve(ok);
    setQ(null);
  };
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={() => answer(false)}>
      {q && (
        <article>
          <h3 id="confirm-title">{q.title}</h3>
          <div>{q.body}</div>
          <footer>
            <button type="button" class="secondary" onClick={() => answer(false)}>
              Cancel
            </button>
            <button type="button" class="danger" onClick={() => answer(true)} autoFocus>
              {q.action}
            </button>
          </footer>
        </article>
      )}
    </dialog>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="secondary outline copy"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setDone(true);
          setTimeout(() => setDone(false), 2000);
        } catch {
          window.prompt('Copy this:', text);
        }
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

/** A value to copy: read-only field plus a copy button. */
export function CopyField({ label, value, testid }: { label: string; value: string; testid?: string }) {
  return (
    <label>
      {label}
      <div role="group">
        <input readOnly value={value} data-testid={testid} onFocus={(e) => (e.target as HTMLInputElement).select()} />
        <CopyButton text={value} />
      </div>
    </label>
  );
}

export function fmtTime(t?: string | null): string {
  if (!t) return '—';
  const d = new Date(t);
  return isNaN(d.getTime()) ? t : d.toLocaleString();
}

/** datetime-local value (local time) <-> RFC 3339 UTC. */
export function toLocalInput(t?: string | null): string {
  if (!t) return '';
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
export function fromLocalInput(v: string): string | null {
  if (!v) return null;
  return new Date(v).toISOString();
}

export function limitText(n?: number): string {
  return n === undefined || n === null || n < 0 ? 'unlimited' : String(n);
}

/** Runs an action, keeping its busy state and error for the form. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async <T,>(f: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await f();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

export function Chips({ items }: { items?: string[] }) {
  if (!items || items.length === 0) return <span class="muted">—</span>;
  return (
    <span class="chips">
      {items.map((r) => (
        <span class="chip">{r}</span>
      ))}
    </span>
  );
}

/** A striped table of a list: its column headers, an unlabelled last
 * column for row actions when actions is set, and the rows given. */
export function ListTable({ label, columns, actions = false, children }: { label: string; columns: string[]; actions?: boolean; children: ComponentChildren }) {
  return (
    <div class="table-wrap">
      <table class="striped" aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col">{c}</th>
            ))}
            {actions && (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** A destructive action on one row: it asks first (confirm: title, body,
 * the confirming button's words), then runs. name tells screen readers
 * which row it acts on. */
export function ConfirmButton({ label, name, confirm, run }: { label: string; name: string; confirm: [string, ComponentChildren, string]; run: () => Promise<unknown> }) {
  return (
    <button
      type="button"
      class="danger outline small"
      onClick={async () => {
        if (!(await confirmAction(...confirm))) return;
        await run();
      }}
    >
      {label}
      <span class="visually-hidden"> {name}</span>
    </button>
  );
}
