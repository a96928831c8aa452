import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { ConnectionIndicator } from '../components/ConnectionIndicator';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/States';
import { CreateWorkspace } from '../pages/CreateWorkspace';
import { TasksPage } from '../pages/TasksPage';
import { onBroadcast } from '../sync/broadcast';
import { applyTheme, onPrefsChange, prefs, THEME_KEY } from './prefs';
import { RealtimeProvider } from './realtime';
import { useWorkspaces, WorkspaceProvider } from './workspace';

// The task list is the landing page; everything else loads when first opened, to keep the first bundle small.
const TaskDetailPage = lazy(() => import('../pages/TaskDetailPage'));
const AutomationsPage = lazy(() => import('../pages/AutomationsPage'));
const AutomationDetailPage = lazy(() => import('../pages/AutomationDetailPage'));
const RepositoriesPage = lazy(() => import('../pages/RepositoriesPage'));
const WebhooksPage = lazy(() => import('../pages/WebhooksPage'));
const RunnersPage = lazy(() => import('../pages/RunnersPage'));
const QueuePage = lazy(() => import('../pages/QueuePage'));
const SettingsPage = lazy(() => import('../pages/SettingsPage'));
// The chart library is only loaded with this page.
const UsagePage = lazy(() => import('../pages/UsagePage'));

const NAV: { href: string; label: string }[] = [
  { href: '/tasks', label: 'Tasks' },
  { href: '/automations', label: 'Automations' },
  { href: '/repositories', label: 'Repositories' },
  { href: '/webhooks', label: 'Webhooks' },
  { href: '/queue', label: 'Queue' },
  { href: '/runners', label: 'Runners' },
  { href: '/usage', label: 'Usage' },
  { href: '/settings', label: 'Settings' },
];

export function App() {
  useEffect(() => {
    const off = onPrefsChange((key) => {
      if (key === THEME_KEY) applyTheme(prefs.theme());
    });
    const offSync = onBroadcast((message) => {
      if (message.type === 'token') window.location.reload();
    });
    return () => {
      off();
      offSync();
    };
  }, []);
  return (
    <RealtimeProvider>
      <WorkspaceProvider>
        <Shell />
      </WorkspaceProvider>
    </RealtimeProvider>
  );
}

function Shell() {
  const [location] = useLocation();
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/tasks" className="brand">
          <span className="brand-mark" aria-hidden="true">
            AC
          </span>
          <span className="brand-name">Agent Center</span>
        </Link>
        <nav aria-label="Main" className="mainnav">
          {NAV.map((item) => {
            const active = location === item.href || location.startsWith(`${item.href}/`);
            return (
              <Link key={item.href} href={item.href} aria-current={active ? 'page' : undefined} className="navlink">
                {item.label}
              </Link>
            );
          })}
        </nav>
        <div className="topbar-end">
          <WorkspaceSelect />
          <ConnectionIndicator />
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Switch>
            <Route path="/">
              <Redirect to="/tasks" replace />
            </Route>
            <Route path="/tasks">
              <NeedsWorkspace>
                <TasksPage />
              </NeedsWorkspace>
            </Route>
            <Route path="/tasks/:taskId">
              {(params) => (
                <NeedsWorkspace>
                  <TaskDetailPage key={params.taskId} taskId={params.taskId} />
                </NeedsWorkspace>
              )}
            </Route>
            <Route path="/automations">
              <NeedsWorkspace>
                <AutomationsPage />
              </NeedsWorkspace>
            </Route>
            <Route path="/automations/:id">
              {(params) => (
                <NeedsWorkspace>
                  <AutomationDetailPage key={params.id} automationId={params.id} />
                </NeedsWorkspace>
              )}
            </Route>
            <Route path="/repositories">
              <NeedsWorkspace>
                <RepositoriesPage />
              </NeedsWorkspace>
            </Route>
            <Route path="/webhooks">
              <NeedsWorkspace>
                <WebhooksPage />
              </NeedsWorkspace>
            </Route>
            <Route path="/queue">
              <NeedsWorkspace>
                <QueuePage />
              </NeedsWorkspace>
            </Route>
            <Route path="/runners">
              <RunnersPage />
            </Route>
            <Route path="/usage">
              <NeedsWorkspace>
                <UsagePage />
              </NeedsWorkspace>
            </Route>
            <Route path="/settings">
              <SettingsPage />
            </Route>
            <Route>
              <section className="page">
                <h1>Page not found</h1>
                <p>
                  Nothing lives at <code>{location}</code>. <Link href="/tasks">Go to Tasks</Link>.
                </p>
              </section>
            </Route>
          </Switch>
        </Suspense>
      </main>
    </div>
  );
}

function WorkspaceSelect() {
  const { workspaces, current, select } = useWorkspaces();
  const [location, navigate] = useLocation();
  const list = workspaces.data ?? [];
  if (list.length === 0) return null;
  return (
    <label className="workspace-select">
      <span className="visually-hidden-narrow">Workspace</span>
      <select
        value={current?.id ?? ''}
        onChange={(e) => {
          select(e.target.value);
          // A task or automation of the previous workspace makes no sense in the new one: go to its list.
          const section = location.match(/^\/(tasks|automations)\/./);
          if (section) navigate(`/${section[1]}`);
        }}
      >
        {list.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Pages that live inside a workspace: they wait for the list, and offer to create the first one. */
function NeedsWorkspace({ children }: { children: ReactNode }) {
  const { workspaces, current } = useWorkspaces();
  if (workspaces.loading) return <Loading label="Loading workspaces…" />;
  if (workspaces.error && !workspaces.data) {
    return (
      <section className="page">
        <h1>Cannot load workspaces</h1>
        <ErrorAlert error={workspaces.error} onRetry={workspaces.reload} />
      </section>
    );
  }
  if (!current) return <CreateWorkspace />;
  return <>{children}</>;
}
