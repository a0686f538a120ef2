import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type Json } from './api/client';
import { currentSession, endedBecause, onSessionChange, resume, signOut } from './auth';
import { AppCtx, effectivePermissions, type Ctx } from './state';
import { ConfirmHost, Loading, ProblemView } from './ui';
import { SignIn } from './screens/signin';
import { Accept, Activate } from './screens/links';
import { pendingLink } from './pending';
import { Members } from './screens/members';
import { Invites } from './screens/invites';
import { Roles } from './screens/roles';
import { Groups } from './screens/groups';
import { Resources } from './screens/resources';
import { SubOrgs } from './screens/suborgs';
import { Tokens } from './screens/tokens';
import { Audit } from './screens/audit';
import { AdminAccounts, SignupPolicy } from './screens/admin';
import { Profile } from './screens/profile';
import { OrgOverview, OrgSwitcher } from './screens/orgs';

const ORG_KEY = 'gatehouse.console.org';

function useHash(): string {
  const [h, setH] = useState(location.hash.replace(/^#\/?/, ''));
  useEffect(() => {
    const f = () => setH(location.hash.replace(/^#\/?/, ''));
    window.addEventListener('hashchange', f);
    return () => window.removeEventListener('hashchange', f);
  }, []);
  return h;
}

export function App() {
  const [signedIn, setSignedIn] = useState<boolean | null>(currentSession() ? true : null);
  useEffect(() => {
    const off = onSessionChange(() => setSignedIn(!!currentSession()));
    if (signedIn === null) resume().then((ok) => setSignedIn(ok));
    return () => {
      off();
    };
  }, []);
  const hash = useHash();
  const pending = pendingLink();
  return (
    <>
      <ConfirmHost />
      {signedIn === null ? (
        <main class="container">
          <Loading what="your session" />
        </main>
      ) : pending?.kind === 'activate' && hash.startsWith('activate') ? (
        <Activate token={pending.token} />
      ) : !signedIn ? (
        <SignIn notice={endedBecause || (pending?.kind === 'accept' ? 'Sign in, or create an account, with the email address the invitation was sent to.' : '')} />
      ) : (
        <Shell hash={hash} />
      )}
    </>
  );
}

interface NavItem {
  id: string;
  label: string;
  show: (c: Ctx) => boolean;
}
const nav: NavItem[] = [
  { id: 'org', label: 'Organization', show: (c) => c.can('org:read') },
  { id: 'members', label: 'Members', show: (c) => c.can('members:read') },
  { id: 'invites', label: 'Invites', show: (c) => c.can('members:read') },
  { id: 'roles', label: 'Roles', show: (c) => c.can('roles:read') },
  { id: 'groups', label: 'Groups', show: (c) => c.can('groups:read') },
  { id: 'resources', label: 'Resources', show: () => true },
  { id: 'suborgs', label: 'Sub-orgs', show: (c) => c.can('suborgs:read') },
  { id: 'tokens', label: 'API tokens', show: (c) => c.can('tokens:manage') },
  { id: 'audit', label: 'Audit log', show: (c) => c.can('audit:read') },
  { id: 'admin', label: 'Accounts', show: (c) => !!c.me.platformAdmin },
  { id: 'signup', label: 'Sign-up policy', show: (c) => !!c.me.platformAdmin },
  { id: 'profile', label: 'Profile', show: () => true },
];

function Shell({ hash }: { hash: string }) {
  const [me, setMe] = useState<Json>(null);
  const [catalogue, setCatalogue] = useState<Json>(null);
  const [orgId, setOrgId] = useState<string>(localStorage.getItem(ORG_KEY) || '');
  const [org, setOrg] = useState<Json>(null);
  const [perms, setPerms] = useState<{ perms: Set<string>; roles: string[]; from: 'org-me' | 'roles' } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [menuOpen, setMenuOpen] = useState(false);

  const loadMe = async () => {
    const [m, c] = await Promise.all([api('GET', '/v1/me'), catalogue ? Promise.resolve(catalogue) : api('GET', '/v1/permissions')]);
    setMe(m);
    setCatalogue(c);
    return { m, c };
  };
  // The org to show after a reload: the one chosen last (a ref, so that
  // callbacks made before the choice still see it).
  const want = useRef(orgId);
  const shown = useRef('');
  const reload = async (id?: string) => {
    if (id) want.current = id;
    try {
      const { m, c } = await loadMe();
      await selectOrg(want.current, m, c);
    } catch (e) {
      setError(e);
    }
  };
  const selectOrg = async (id: string, m: Json, c: Json) => {
    const ms: Json[] = m.memberships || [];
    if (!ms.some((x) => x.orgId === id)) id = ms.find((x) => x.status === 'active')?.orgId || ms[0]?.orgId || '';
    want.current = id;
    setOrgId(id);
    if (id) localStorage.setItem(ORG_KEY, id);
    if (id !== shown.current) {
      // Another org: nothing of the last one may show meanwhile. The same
      // org (a reload after a change) keeps its screen and its messages.
      setPerms(null);
      setOrg(null);
    }
    shown.current = id;
    if (!id) {
      setPerms({ perms: new Set(), roles: [], from: 'roles' });
      return;
    }
    try {
      const p = await effectivePermissions(m, c, id);
      setPerms(p);
      if (p.perms.has('org:read')) setOrg(await api('GET', '/v1/orgs/{orgId}', { path: { orgId: id } }));
      else setOrg((m.memberships || []).find((x: Json) => x.orgId === id) ? { id, name: ms.find((x) => x.orgId === id)?.orgName } : null);
    } catch (e) {
      setError(e);
      setPerms({ perms: new Set(), roles: [], from: 'roles' });
    }
  };
  useEffect(() => {
    reload();
  }, []);

  const ctx: Ctx | null = useMemo(
    () =>
      me && catalogue && perms
        ? {
            me,
            catalogue,
            orgId,
            org,
            perms: perms.perms,
            permsFrom: perms.from,
            roles: perms.roles,
            can: (p: string) => perms.perms.has(p),
            setOrg: (id: string) => reload(id),
            reload: () => reload(),
          }
        : null,
    [me, catalogue, orgId, org, perms],
  );

  if (!ctx) {
    return (
      <main class="container">
        {error ? (
          <>
            <ProblemView error={error} />
            <button type="button" class="secondary" onClick={() => signOut()}>
              Sign out
            </button>
          </>
        ) : (
          <Loading what="your account" />
        )}
      </main>
    );
  }
  const pending = pendingLink();
  const visible = nav.filter((n) => n.show(ctx));
  let screen = hash.split('/')[0] || '';
  if (pending?.kind === 'accept') screen = 'accept';
  if (!screen || (screen !== 'accept' && !visible.some((n) => n.id === screen))) screen = visible[0]?.id || 'profile';
  const title = nav.find((n) => n.id === screen)?.label || 'Accept invitation';
  document.title = `${title} · ${org?.name || 'Gatehouse'} · Gatehouse console`;

  return (
    <AppCtx.Provider value={ctx}>
      <a href="#screen-title" class="skip" onClick={(e) => (e.preventDefault(), document.getElementById('screen-title')?.focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <a href="#/" class="brand">
          Gatehouse
        </a>
        <OrgSwitcher />
        <div class="who">
          <span class="muted" title={me.id}>
            {me.email}
            {me.platformAdmin ? ' · platform admin' : ''}
          </span>
          <button type="button" class="secondary outline" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
        <button type="button" class="menu-toggle secondary outline" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
      </header>
      <div class="layout">
        <nav id="nav" aria-label="Screens" class={menuOpen ? 'open' : ''}>
          <ul>
            {visible.map((n) => (
              <li>
                <a href={'#/' + n.id} aria-current={n.id === screen ? 'page' : undefined} onClick={() => setMenuOpen(false)}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
          {ctx.orgId && (
            <p class="perm-note muted">
              Your roles here: {ctx.roles.join(', ') || 'none'}
              {ctx.permsFrom === 'roles' ? ' (screens follow these roles)' : ''}
            </p>
          )}
        </nav>
        <main class="content" aria-labelledby="screen-title">
          <h1 id="screen-title" tabIndex={-1}>
            {title}
          </h1>
          {error ? <ProblemView error={error} /> : null}
          {!ctx.orgId && screen !== 'profile' && screen !== 'admin' && screen !== 'signup' && screen !== 'accept' ? (
            <p class="empty">You are not a member of any organization yet. Create one with “New organization” above, or accept an invitation.</p>
          ) : (
            <Screen id={screen} key={screen + ':' + ctx.orgId} />
          )}
        </main>
      </div>
    </AppCtx.Provider>
  );
}

function Screen({ id }: { id: string }) {
  switch (id) {
    case 'accept':
      return <Accept />;
    case 'org':
      return <OrgOverview />;
    case 'members':
      return <Members />;
    case 'invites':
      return <Invites />;
    case 'roles':
      return <Roles />;
    case 'groups':
      return <Groups />;
    case 'resources':
      return <Resources />;
    case 'suborgs':
      return <SubOrgs />;
    case 'tokens':
      return <Tokens />;
    case 'audit':
      return <Audit />;
    case 'admin':
      return <AdminAccounts />;
    case 'signup':
      return <SignupPolicy />;
    default:
      return <Profile />;
  }
}
