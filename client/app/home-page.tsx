import { Navigate } from 'react-router';
import { useSession } from '../features/auth/use-session';

/** Sends each role to its own start page. */
export function HomePage() {
  const { user } = useSession();
  if (!user) return null;
  switch (user.role) {
    case 'admin':
      return <Navigate to="/admin/staff" replace />;
    case 'scheduler':
      return <Navigate to="/schedule" replace />;
    case 'clinician':
      return <Navigate to="/today" replace />;
  }
}
