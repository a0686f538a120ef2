// Links Gatehouse sends open the console: {PublicURL}/invites/accept?token=
// and {PublicURL}/activate?token=. The token is taken out of the address
// bar at once (it must not stay in history or leak) and kept for this tab.
const KEY = 'gatehouse.console.pending';

export interface PendingLink {
  kind: 'accept' | 'activate';
  token: string;
}

export function capturePendingLink(): void {
  const path = location.pathname.replace(/\/+$/, '');
  const token = new URLSearchParams(location.search).get('token');
  let kind: PendingLink['kind'] | null = null;
  if (path.endsWith('/invites/accept')) kind = 'accept';
  if (path.endsWith('/activate')) kind = 'activate';
  if (kind && token) {
    sessionStorage.setItem(KEY, JSON.stringify({ kind, token }));
    history.replaceState(null, '', new URL(import.meta.env.BASE_URL + '#/' + kind, location.origin).toString());
  }
}

export function pendingLink(): PendingLink | null {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}

export function clearPendingLink(): void {
  sessionStorage.removeItem(KEY);
}
