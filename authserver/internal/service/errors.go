package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// Error is a domain error: a code (one of apiv1's error codes), a message
// safe to show and, for validation errors, the offending field. Err, when
// set, is the cause: logged, never shown. Each front end maps the code to
// its own answer (the REST API to an HTTP status).
type Error struct {
	Code    string
	Message string
	Field   string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid is a validation error of field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: apiv1.CodeInvalidArgument, Message: fmt.Sprintf(format, args...), Field: field}
}

// Forbidden refuses an action the principal may not take.
func Forbidden(format string, args ...any) *Error {
	return &Error{Code: apiv1.CodeForbidden, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports a missing object, or one the principal may not see.
func NotFound(format string, args ...any) *Error {
	return &Error{Code: apiv1.CodeNotFound, Message: fmt.Sprintf(format, args...)}
}

// errorTable maps sentinel errors to domain errors. The first match wins,
// so specific sentinels come before general ones.
var errorTable = []struct {
	target error
	code   string
	msg    string
}{
	{store.ErrLastOwner, apiv1.CodeConflict, "a team must keep at least one owner: make another member owner first"},
	{store.ErrLastAdmin, apiv1.CodeConflict, "at least one enabled admin must remain: make another user admin first"},
	{store.ErrProtected, apiv1.CodeConflict, "this team owns the namespaces registry pushes create and cannot be deleted; change its members instead"},
	{store.ErrNotFound, apiv1.CodeNotFound, "not found"},
	{store.ErrConflict, apiv1.CodeConflict, "conflicts with an existing object or is still in use"},
	{store.ErrUnavailable, apiv1.CodeUnavailable, "the database is unavailable; retry later"},
	{authn.ErrThrottleUnavailable, apiv1.CodeUnavailable, "logins are refused while the login throttle (Redis) is unavailable; retry later"},
	{authn.ErrBadCredentials, apiv1.CodeUnauthenticated, "authentication required: send valid Basic credentials or a Bearer application token"},
	{context.DeadlineExceeded, apiv1.CodeUnavailable, "the request timed out; retry later"},
	{context.Canceled, apiv1.CodeUnavailable, "the request was canceled"},
}

// AsError turns any error into an *Error. An error nothing classifies is a
// bug (internal, 500), never an outage: the stores classify theirs as
// store.ErrUnavailable. Its cause is logged, never sent.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	for _, t := range errorTable {
		if errors.Is(err, t.target) {
			return &Error{Code: t.code, Message: t.msg, Err: err}
		}
	}
	// Nothing classifies it: a bug, not an outage (the stores classify
	// theirs as store.ErrUnavailable), so clients must not retry it as one.
	return &Error{Code: apiv1.CodeInternal, Message: "internal error; it has been logged, report it if it persists", Err: err}
}

// StoreError names the object in the message of a store error: what (e.g.
// `team "devs"`) is prefixed for not-found and conflict errors; onConflict,
// when not empty, replaces the generic conflict message.
func StoreError(err error, what, onConflict string) error {
	if err == nil {
		return nil
	}
	e := AsError(err)
	switch {
	case errors.Is(err, store.ErrLastOwner), errors.Is(err, store.ErrLastAdmin), errors.Is(err, store.ErrProtected):
		// The table's message is already specific.
	case e.Code == apiv1.CodeNotFound && what != "":
		e = &Error{Code: e.Code, Message: what + " not found", Err: err}
	case e.Code == apiv1.CodeConflict && onConflict != "":
		e = &Error{Code: e.Code, Message: onConflict, Err: err}
	case e.Code == apiv1.CodeConflict && what != "":
		e = &Error{Code: e.Code, Message: what + " " + e.Message, Err: err}
	}
	return e
}
