// Package service holds Dockmaster's use cases for every front end (the
// REST API today, the web UI next): "as this principal, do X". A use case
// validates its input, asks rbac's pure decisions, calls the store, audits,
// and answers domain errors (*Error: code, message, field) that each front
// end maps to its own answer. It knows nothing of HTTP.
package service
