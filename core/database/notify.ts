/** PostgreSQL NOTIFY channel on which activities announce that a run changed (payload: the run id). */
export const RUN_NOTIFY_CHANNEL = 'switchboard_runs';
