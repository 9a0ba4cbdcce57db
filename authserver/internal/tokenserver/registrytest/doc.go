// Package registrytest holds the end-to-end tests of the token service: a
// real Dockmaster server (REST API and /auth/token over SQLite) in front of
// the real registry (distribution v3.1.2), driven by crane and regctl as
// users, robots and anonymous clients would.
package registrytest
