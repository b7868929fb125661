import { createBrowserRouter, Link, Outlet } from 'react-router';
import { SessionProvider, useSession } from '../features/auth/use-session';
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

/** Staff pages share one session, cache and socket. */
function StaffRoot() {
  return (
    <AppShell>
      <SessionProvider>
        <Outlet />
      </SessionProvider>
    </AppShell>
  );
}

// Every page's code (and its libraries: recharts with the patient history, LiveKit with the visit
// page) is fetched when that page is opened, so the sign-in page carries only itself.
// The patient's join page is not here: it is its own entry (join.html, join-main.tsx).
export const router = createBrowserRouter([
  {
    element: <StaffRoot />,
    hydrateFallbackElement: <RouteLoading />,
    children: [
      { path: '/signin', lazy: () => import('../features/auth/sign-in-page').then((m) => ({ Component: m.SignInPage })) },
      { path: '/signin/sso', lazy: () => import('../features/auth/sso-return-page').then((m) => ({ Component: m.SsoReturnPage })) },
      {
        path: '/invite/:token',
        // Under SSO_ONLY (which the sign-in feature knows) the link sets no password: the page says so.
        lazy: async () => {
          const [{ InvitationPage }, { useSsoConfig }] = await Promise.all([
            import('../features/account/invitation-page'),
            import('../features/auth/two-factor-api'),
          ]);
          return { Component: () => <InvitationPage ssoOnly={useSsoConfig().data?.ssoOnly === true} /> };
        },
      },
      {
        element: <StaffLayout />,
        children: [
          { index: true, element: <HomePage /> },
          {
            path: 'account/password',
            lazy: async () => {
              const [{ ChangePasswordPage }, { useSsoConfig }] = await Promise.all([
                import('../features/account/change-password-page'),
                import('../features/auth/two-factor-api'),
              ]);
              return {
                Component: function AccountPasswordPage() {
                  const { user } = useSession();
                  const ssoOnly = useSsoConfig().data?.ssoOnly === true;
                  return <ChangePasswordPage required={user?.mustChangePassword === true} ssoOnly={ssoOnly} />;
                },
              };
            },
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
          {
            path: 'admin/staff',
            lazy: () => import('../features/staff-admin/staff-admin-page').then((m) => ({ Component: m.StaffAdminPage })),
          },
          {
            path: 'schedule',
            // The schedule composes the patient picker (another feature) here, so neither imports the other.
            lazy: async () => {
              const [{ SchedulePage }, { PatientPicker }] = await Promise.all([
                import('../features/schedule/schedule-page'),
                import('../features/patients/patient-picker'),
              ]);
              return { Component: () => <SchedulePage PatientPicker={PatientPicker} /> };
            },
          },
          { path: 'today', lazy: () => import('../features/today/today-page').then((m) => ({ Component: m.TodayPage })) },
          { path: 'admin/audit', lazy: () => import('../features/audit/audit-page').then((m) => ({ Component: m.AuditPage })) },
          { path: 'patients', lazy: () => import('../features/patients/my-patients-page').then((m) => ({ Component: m.MyPatientsPage })) },
          {
            path: 'patients/:id',
            // The chart composes other features' sections here (to add one: import it and list it), so none imports another.
            lazy: async () => {
              const [{ PatientChartPage }, { PatientTrends }, { CarePlanSection }, { MeasurementSection }, { PatientNotesSection }] = await Promise.all([
                import('../features/patient-chart/patient-chart-page'),
                import('../features/patient-history/patient-trends'),
                import('../features/care-plan/care-plan-section'),
                import('../features/measurement-plan/measurement-section'),
                import('../features/visit-notes/patient-notes-section'),
              ]);
              const sections = [PatientTrends, CarePlanSection, MeasurementSection, PatientNotesSection];
              return { Component: () => <PatientChartPage sections={sections} /> };
            },
          },
          { path: 'visits/:id', lazy: () => import('./visit-page').then((m) => ({ Component: m.VisitPage })) },
        ],
      },
    ],
  },
  { path: '*', element: <NotFoundPage /> },
]);
