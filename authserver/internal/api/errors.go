package api

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// Wire error codes (apiv1.Error.Code), short names for the handlers.
const (
	codeInvalid         = apiv1.CodeInvalidArgument
	codeUnauthenticated = apiv1.CodeUnauthenticated
	codeForbidden       = apiv1.CodeForbidden
	codeNotFound        = apiv1.CodeNotFound
	codeConflict        = apiv1.CodeConflict
	codeTooLarge        = apiv1.CodeTooLarge
	codeTooMany         = apiv1.CodeTooManyRequests
	codeUnavailable     = apiv1.CodeUnavailable
	codeInternal        = apiv1.CodeInternal
)

// Error is an API error: an HTTP status, a wire code, a message safe to show
// and, for validation errors, the offending field. cause, when set, is logged
// but never sent.
type Error struct {
	Status  int
	Code    string
	Message string
	Field   string
	// RetryAfter, when > 0, is sent as Retry-After (429).
	RetryAfter time.Duration
	cause      error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return e.Code + ": " + e.Message + ": " + e.cause.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.cause }

func invalid(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: codeInvalid, Message: fmt.Sprintf(format, args...), Field: field}
}

// tooManyAttempts refuses a login attempt the throttle did not let through.
func tooManyAttempts(retryAfter time.Duration) *Error {
	return &Error{Status: http.StatusTooManyRequests, Code: codeTooMany, RetryAfter: retryAfter,
		Message: "too many failed logins from this address; wait for Retry-After seconds, then try again"}
}

func forbidden(format string, args ...any) *Error {
	return &Error{Status: http.StatusForbidden, Code: codeForbidden, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Code: codeNotFound, Message: fmt.Sprintf(format, args...)}
}

// errUnauthenticated is the one answer to missing and bad credentials alike,
// so callers cannot tell an unknown user from a wrong password.
var errUnauthenticated = &Error{
	Status:  http.StatusUnauthorized,
	Code:    codeUnauthenticated,
	Message: "authentication required: send valid Basic credentials or a Bearer application token",
}

// toError turns any error into an *Error: the API's own as they are, a
// too-large body as 413, and everything else through the service's domain
// errors (store sentinels included; an error nothing classifies is a bug,
// not an outage: 500 internal, its cause logged and never sent).
func toError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: codeTooLarge,
			Message: fmt.Sprintf("request body larger than %d bytes", mbe.Limit), cause: err}
	}
	se := service.AsError(err)
	return &Error{Status: apiv1.HTTPStatus(se.Code), Code: se.Code, Message: se.Message, Field: se.Field, cause: err}
}

// writeError sends err as a apiv1.Error body and logs what the client does
// not see.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := toError(err)
	if e.Status >= 500 {
		a.log.ErrorContext(r.Context(), "api error", "method", r.Method, "path", r.URL.Path,
			"status", e.Status, "code", e.Code, "err", err)
	} else if e.cause != nil {
		a.log.DebugContext(r.Context(), "api error", "status", e.Status, "code", e.Code, "err", err)
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="dockmaster"`)
	}
	if e.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	writeJSON(w, e.Status, apiv1.Error{Code: e.Code, Message: e.Message, Field: e.Field})
}
