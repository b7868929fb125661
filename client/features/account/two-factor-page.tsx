import { useQueryClient } from '@tanstack/react-query';
import { useState, type ComponentType } from 'react';
import { usePageTitle } from '../../components/use-page-title';
import { twoFactorStatusKey, useTwoFactorStatus } from './two-factor-api';

/**
 * The account's two-step sign-in: whether it is on and how many recovery codes are left, or the
 * set-up. The set-up itself is the sign-in feature's (`Enrolment`), composed here by the router.
 */
export function TwoFactorPage({ Enrolment }: { Enrolment: ComponentType<{ onFinished(): void }> }) {
  usePageTitle('Two-step sign-in');
  const queryClient = useQueryClient();
  const status = useTwoFactorStatus();
  const [justEnabled, setJustEnabled] = useState(false);

  return (
    <div className="page">
      <h1>Two-step sign-in</h1>
      {status.isPending && (
        <p role="status" aria-busy="true">
          Loading…
        </p>
      )}
      {status.isError && (
        <div className="alert alert-error" role="alert">
          Could not load your sign-in settings. Reload the page to try again.
        </div>
      )}
      {status.data?.enabled && (
        <>
          <p role={justEnabled ? 'status' : undefined}>
            Two-step sign-in is <strong>on</strong>: you sign in with your password and a code from your authenticator app.
          </p>
          <p>
            Recovery codes left: <strong>{status.data.recoveryCodesLeft}</strong>.{' '}
            {status.data.recoveryCodesLeft < 3 &&
              'When they run out, or if you lose your phone, ask your clinic’s administrator to reset your second factor.'}
          </p>
        </>
      )}
      {status.data && !status.data.enabled && (
        <>
          <p>
            {status.data.required
              ? 'Your clinic requires two-step sign-in for your role. Set it up now: it will be asked at your next sign-in anyway.'
              : 'Protect your account with a code from an authenticator app on your phone, asked after your password.'}
          </p>
          <div style={{ maxWidth: '28rem' }}>
            <Enrolment
              onFinished={() => {
                setJustEnabled(true);
                void queryClient.invalidateQueries({ queryKey: twoFactorStatusKey });
              }}
            />
          </div>
        </>
      )}
    </div>
  );
}
