import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { NotFound } from '../components/States';
import { AuthGate } from '../features/auth/components/AuthGate';
import { Layout } from './Layout';
import { CreateJobRoute } from './routes/create-job';
import { JobRoute } from './routes/job';
import { TrainingJobsRoute } from './routes/training-jobs';

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
            <Route path="training-jobs/new" element={<CreateJobRoute />} />
            <Route path="training-jobs/:jobId" element={<JobRoute />} />
            <Route path="login" element={<Navigate to="/dashboard/training-jobs" replace />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </AuthGate>
    </BrowserRouter>
  );
}
