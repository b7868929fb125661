import { createBrowserRouter, Link, Outlet } from 'react-router';
import { SessionProvider, useSession } from '../features/auth/use-session';
import { SignInPage } from '../features/auth/sign-in-page';
import { AuditPage } from '../features/audit/audit-page';
import { StaffAdminPage } from '../features/staff-admin/staff-admin-page';
import { PatientPicker } from '../features/patients/patient-picker';
import { SchedulePage } from '../features/schedule/schedule-page';
import { TodayPage } from '../features/today/today-page';
import { usePageTitle } from '../components/use-page-title';
import { AppShell } from './app-shell';
import { HomePage } from './home-page';
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

/** Shown while a lazily loaded page's code arrives (no words: the page's language is not known yet). */
function RouteLoading() {
  return (
    <p className="loading" role="status" aria-busy="true">
      …
    </p>
  );
}

/** Staff pages share one session, cache and socket; patient pages (join links) never load them. */
function StaffRoot() {
  return (
    <AppShell>
      <SessionProvider>
        <Outlet />
      </SessionProvider>
    </AppShell>
  );
}

export const router = createBrowserRouter([
  {
    element: <StaffRoot />,
    children: [
      { path: '/signin', element: <SignInPage /> },
      { path: '/signin/sso', lazy: () => import('../features/auth/sso-return-page').then((m) => ({ Component: m.SsoReturnPage })) },
      { path: '/invite/:token', lazy: () => import('../features/account/invitation-page').then((m) => ({ Component: m.InvitationPage })) },
      {
        element: <StaffLayout />,
        children: [
          { index: true, element: <HomePage /> },
          {
            path: 'account/password',
            lazy: () =>
              import('../features/account/change-password-page').then(({ ChangePasswordPage }) => ({
                Component: function AccountPasswordPage() {
                  const { user } = useSession();
                  return <ChangePasswordPage required={user?.mustChangePassword === true} />;
                },
              })),
          },
          {
            path: 'account/two-factor',
            // The account page composes the sign-in feature's enrolment, so neither feature imports the other.
            lazy: async () => {
              const [{ TwoFactorPage }, { TotpEnrolment }] = await Promise.all([
                import('../features/account/two-factor-page'),
                import('../features/auth/totp-enrolment'),
              ]);
              return { Component: () => <TwoFactorPage Enrolment={TotpEnrolment} /> };
            },
          },
          { path: 'admin/staff', element: <StaffAdminPage /> },
          // The schedule composes the patient picker (another feature) here, so neither imports the other.
          { path: 'schedule', element: <SchedulePage PatientPicker={PatientPicker} /> },
          { path: 'today', element: <TodayPage /> },
          { path: 'admin/audit', element: <AuditPage /> },
          // A patient's check-in history; recharts loads with it, only when opened.
          {
            path: 'patients/:id',
            hydrateFallbackElement: <RouteLoading />,
            lazy: () => import('../features/patient-history/patient-history-page').then((m) => ({ Component: m.PatientHistoryPage })),
          },
          // Video pages load LiveKit in their own chunk, only when opened.
          {
            path: 'visits/:id',
            hydrateFallbackElement: <RouteLoading />,
            lazy: () => import('./visit-page').then((m) => ({ Component: m.VisitPage })),
          },
        ],
      },
    ],
  },
  // Patients: no staff session here, ever.
  {
    path: '/join/:token',
    hydrateFallbackElement: <RouteLoading />,
    lazy: () => import('./join-page').then((m) => ({ Component: m.JoinPage })),
  },
  { path: '*', element: <NotFoundPage /> },
]);
