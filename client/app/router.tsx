import { createBrowserRouter, Link, Outlet } from 'react-router';
import { SessionProvider } from '../features/auth/use-session';
import { SignInPage } from '../features/auth/sign-in-page';
import { HomePage } from '../features/home/home-page';
import { AuditPage } from '../features/audit/audit-page';
import { StaffAdminPage } from '../features/staff-admin/staff-admin-page';
import { usePageTitle } from '../components/use-page-title';
import { StaffLayout } from './staff-layout';

function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <main id="main" className="page">
      <h1>Page not found</h1>
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </main>
  );
}

/** Staff pages share one session; patient pages (join links) never load it. */
function StaffRoot() {
  return (
    <SessionProvider>
      <Outlet />
    </SessionProvider>
  );
}

export const router = createBrowserRouter([
  {
    element: <StaffRoot />,
    children: [
      { path: '/signin', element: <SignInPage /> },
      {
        element: <StaffLayout />,
        children: [
          { index: true, element: <HomePage /> },
          { path: 'admin/staff', element: <StaffAdminPage /> },
          { path: 'admin/audit', element: <AuditPage /> },
        ],
      },
    ],
  },
  { path: '*', element: <NotFoundPage /> },
]);
