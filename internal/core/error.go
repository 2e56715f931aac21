// Package core is the shared vocabulary of Rapport: identifiers, roles, the
// acting person, and the one error type every layer speaks.
package core

import (
	"context"
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to a status; only EINTERNAL is logged.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ERATELIMIT    = "rate_limited"
	// EUNAVAILABLE is an overload: no database connection came free in
	// time, or a statement or the request ran out of time. Worth retrying.
	EUNAVAILABLE = "unavailable"
	EINTERNAL    = "internal"
)

// Error is an application error whose Message is safe to show to a user.
// Fields holds per-field messages for forms.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf builds an *Error with a formatted, user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain,
// EUNAVAILABLE for an overload (see Overloaded), EINTERNAL for any other
// non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if Overloaded(err) {
		return EUNAVAILABLE
	}
	return EINTERNAL
}

// Overloaded reports whether err means "too busy right now" rather than a
// fault: a deadline ran out (waiting for a pooled connection, or the
// request's own), or the database cancelled a statement at its
// statement_timeout (SQLSTATE 57014) or refused a connection because it
// has too many (53300). Callers answer 503 and ask the client to retry.
func Overloaded(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		switch st.SQLState() {
		case "57014", "53300":
			return true
		}
	}
	return false
}

// Unavailable is the error for an overload, with a message safe to show.
func Unavailable(msg string) *Error {
	if msg == "" {
		msg = "Rapport is busy right now. Please try again in a moment."
	}
	return &Error{Code: EUNAVAILABLE, Message: msg}
}

// ErrorMessage returns the user-safe message for err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	if Overloaded(err) {
		return Unavailable("").Message
	}
	return "Something went wrong on our side. Please try again."
}

// FieldErrors returns per-field messages carried by err, if any.
func FieldErrors(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// NotFound is the error for missing rows and for rows of another organisation:
// both must look the same to the caller.
func NotFound(what string) *Error {
	return &Error{Code: ENOTFOUND, Message: what + " not found."}
}

// Forbidden is the error for an object the actor may not touch.
func Forbidden() *Error {
	return &Error{Code: EFORBIDDEN, Message: "You don't have access to this."}
}

// Validator collects field errors, in the style of snippetbox's validator.
type Validator struct {
	Fields map[string]string
}

// Check records msg for field unless ok, keeping the first message per field.
func (v *Validator) Check(ok bool, field, msg string) {
	if ok {
		return
	}
	if v.Fields == nil {
		v.Fields = map[string]string{}
	}
	if _, exists := v.Fields[field]; !exists {
		v.Fields[field] = msg
	}
}

// Valid reports whether no check failed.
func (v *Validator) Valid() bool { return len(v.Fields) == 0 }

// Err returns an EINVALID error carrying the field messages, or nil.
func (v *Validator) Err() error {
	if v.Valid() {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Please correct the highlighted fields.", Fields: v.Fields}
}
