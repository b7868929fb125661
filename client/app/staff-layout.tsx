import { NavLink, Navigate, Outlet, useLocation } from 'react-router';
import { useSession } from '../features/auth/use-session';

const ROLE_LABEL = { admin: 'Administrator', scheduler: 'Scheduler', clinician: 'Clinician' } as const;

/** The frame around every staff page: skip link, header with role-aware navigation, sign out. */
export function StaffLayout() {
  const { user, loading, signOut } = useSession();
  const location = useLocation();
  // The session empties the query cache itself when it ends (features/auth/session-api.ts).
  if (loading) {
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }
  if (!user) return <Navigate to="/signin" replace state={{ from: location.pathname }} />;
  // A password someone else set must be replaced before anything else (the server refuses the rest meanwhile).
  if (user.mustChangePassword && location.pathname !== '/account/password') return <Navigate to="/account/password" replace />;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true" /> Alcove
        </span>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Home
          </NavLink>
          {(user.role === 'scheduler' || user.role === 'admin') && <NavLink to="/schedule">Schedule</NavLink>}
          {user.role === 'clinician' && <NavLink to="/today">Today</NavLink>}
          {user.role === 'clinician' && <NavLink to="/patients">Patients</NavLink>}
          {user.role === 'admin' && <NavLink to="/admin/staff">Staff</NavLink>}
          {user.role === 'admin' && <NavLink to="/admin/audit">Audit</NavLink>}
        </nav>
        <div className="topbar-user">
          <span className="user-name">
            {user.name} <span className="muted">· {ROLE_LABEL[user.role]}</span>
          </span>
          <NavLink to="/account/password" className="btn btn-quiet">
            Password
          </NavLink>
          <NavLink to="/account/two-factor" className="btn btn-quiet">
            Two-step sign-in
          </NavLink>
          <button type="button" className="btn btn-quiet" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
