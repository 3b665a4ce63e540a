/** The job queue and progress tracking. */
export { JobManager, type JobContext, type JobOutput, type JobRunner } from './manager';
export { ProgressTracker, throttle } from './progress';
