/** PostgreSQL NOTIFY channel on which activities announce that a run changed (payload: the run id). */
export const RUN_NOTIFY_CHANNEL = 'switchboard_runs';

/** Channel on which a saved profile is announced (payload: `<user id>:<version>`), for `profileUpdated`. */
export const PROFILE_NOTIFY_CHANNEL = 'switchboard_profiles';
