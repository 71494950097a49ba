import { lazy, Suspense, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { Spinner } from '../components/Spinner';
import { NotFound } from '../components/States';
import { AfterSignIn, AuthGate } from '../features/auth/components/AuthGate';
import { Layout } from './Layout';
import { ApiTokensRoute } from './routes/api-tokens';
import { TrainingJobsRoute } from './routes/training-jobs';

// The dashboard (Chart.js) and the create form load on demand to keep the first bundle small.
const JobRoute = lazy(() => import('./routes/job').then((m) => ({ default: m.JobRoute })));
const CompareRoute = lazy(() => import('./routes/compare').then((m) => ({ default: m.CompareRoute })));
const CreateJobRoute = lazy(() => import('./routes/create-job').then((m) => ({ default: m.CreateJobRoute })));

function Lazy({ children }: { children: ReactNode }) {
  return (
    <Suspense
      fallback={
        <div className="fullpage-center" style={{ minHeight: 240 }}>
          <Spinner label="Loading" size={24} />
        </div>
      }
    >
      {children}
    </Suspense>
  );
}

export function AppRouter() {
  return (
    <BrowserRouter>
      <AuthGate>
        <Routes>
          <Route element={<Layout />}>
            <Route index element={<Navigate to="/dashboard/training-jobs" replace />} />
            <Route path="dashboard" element={<Navigate to="/dashboard/training-jobs" replace />} />
            <Route path="dashboard/training-jobs" element={<TrainingJobsRoute />} />
            <Route path="training-jobs" element={<Navigate to="/dashboard/training-jobs" replace />} />
            <Route path="training-jobs/new" element={<Lazy><CreateJobRoute /></Lazy>} />
            <Route path="training-jobs/:jobId" element={<Lazy><JobRoute /></Lazy>} />
            <Route path="compare" element={<Lazy><CompareRoute /></Lazy>} />
            <Route path="settings/api-tokens" element={<ApiTokensRoute />} />
            <Route path="login" element={<AfterSignIn />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </AuthGate>
    </BrowserRouter>
  );
}
