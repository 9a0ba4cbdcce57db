// Package conformance runs the OCI distribution-spec conformance suite
// (github.com/opencontainers/distribution-spec/conformance) twice — against
// the bare registry and against the same registry behind Dockmaster's token
// auth — and requires the two result sets to be identical: token auth must
// cost nothing in conformance.
//
// The package is only its test. It cannot import the server's packages
// (they are internal to ./authserver), so it builds the dockmaster binary
// from this checkout and drives it as a user would: admin bootstrap, keys
// export-cert, serve, and the REST API through internal/client.
package conformance
