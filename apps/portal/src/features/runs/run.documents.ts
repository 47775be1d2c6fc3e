import { graphql } from '../../gql';

export const RunQuery = graphql(`
  query PortalRun($id: ID!) {
    run(id: $id) {
      ...PortalRunState
      commands
      createdBy
      createdAt
      workflowId
      temporalUrl
      taskName
      taskVersion
      selector {
        site
        platform
        tags
      }
    }
  }
`);

/** What changes while a run goes on: read by the page, and again with every update pushed. */
export const RunStateFragment = graphql(`
  fragment PortalRunState on Run {
    id
    kind
    status
    error
    startedAt
    finishedAt
    progress {
      total
      pending
      running
      succeeded
      failed
      cancelled
    }
    steps {
      stepId
      name
      kind
      status
      attempts
      startedAt
      finishedAt
      errorMessage
      childRunId
    }
  }
`);

export const RunUpdatedSubscription = graphql(`
  subscription PortalRunUpdated($runId: ID!) {
    runUpdated(runId: $runId) {
      run {
        ...PortalRunState
      }
      events {
        id
        ts
        level
        message
        deviceName
        stepId
        attempt
      }
    }
  }
`);

export const RunDevicesQuery = graphql(`
  query PortalRunDevices($id: ID!, $first: Int!, $after: String) {
    run(id: $id) {
      id
      devices(first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          cursor
          node {
            id
            deviceName
            host
            platform
            status
            attempts
            errorKind
            errorMessage
            startedAt
            finishedAt
          }
        }
      }
    }
  }
`);

/** One device of a run with its outputs: the page of one device after the cursor of the one before. */
export const RunDeviceOutputsQuery = graphql(`
  query PortalRunDeviceOutputs($id: ID!, $after: String) {
    run(id: $id) {
      id
      devices(first: 1, after: $after) {
        edges {
          node {
            id
            deviceName
            status
            errorMessage
            outputs(maxBytes: 262144) {
              seq
              command
              output
              error
              truncated
              durationMs
              collectedAt
            }
          }
        }
      }
    }
  }
`);

export const CancelRun = graphql(`
  mutation PortalCancelRun($id: ID!) {
    cancelRun(id: $id) {
      id
      status
    }
  }
`);
export const PauseRun = graphql(`
  mutation PortalPauseRun($id: ID!) {
    pauseRun(id: $id) {
      id
      status
    }
  }
`);
export const ResumeRun = graphql(`
  mutation PortalResumeRun($id: ID!) {
    resumeRun(id: $id) {
      id
      status
    }
  }
`);
export const RetryRun = graphql(`
  mutation PortalRetryRun($id: ID!) {
    retryRunFromFailure(id: $id) {
      id
    }
  }
`);
export const RestartRun = graphql(`
  mutation PortalRestartRun($id: ID!) {
    restartRun(id: $id) {
      id
    }
  }
`);
