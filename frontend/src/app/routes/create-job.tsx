export function CreateJobRoute() {
  return <div className="page">Create job</div>;
}
