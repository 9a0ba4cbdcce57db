// Package e2e applies examples/stacks/local on the real Docker engine with
// terratest and drives it with the real docker CLI, crane and the REST API:
// logins over TLS, push and pull, RBAC refusals, events and the cron sync,
// replicas killed under load, key rotation, a no-change plan and a clean
// destroy. `make e2e` runs it (DOCKMASTER_E2E=1); see README.md.
package e2e
