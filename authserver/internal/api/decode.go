package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// maxDepth bounds the nesting of request bodies; no request type nests deeper
// than a few levels.
const maxDepth = 32

// decode reads a JSON object into dst. It rejects, with a 400 naming the
// field where one is known: a non-JSON content type, an empty body, anything
// but an object at the top, duplicate keys (compared case-insensitively,
// because encoding/json matches field names that way), unknown fields,
// wrongly typed values and trailing data. A body over the server's cap
// yields 413.
func decode(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &Error{Status: http.StatusUnsupportedMediaType, Code: codeInvalid,
				Message: "the request body must be application/json"}
		}
	}
	if r.Body == nil {
		return invalid("", "a JSON request body is required")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return toError(err)
		}
		return invalid("", "could not read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return invalid("", "a JSON request body is required")
	}
	if err := checkStructure(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("", "unexpected data after the JSON object")
	}
	return nil
}

// checkStructure walks the tokens once: the top level must be one object,
// no object may repeat a key, nesting is bounded and nothing may follow.
func checkStructure(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []*jsonFrame
	first := true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return invalid("", "malformed JSON: %s", trimJSONErr(err))
		}
		if first {
			if d, ok := tok.(json.Delim); !ok || d != '{' {
				return invalid("", "the request body must be a JSON object")
			}
			first = false
		} else if len(stack) == 0 {
			return invalid("", "unexpected data after the JSON object")
		}
		var top *jsonFrame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				afterValue(stack)
				continue
			}
			key, _ := tok.(string)
			lk := strings.ToLower(key)
			if top.keys[lk] {
				return invalid(joinPath(top.path, key), "duplicate key %q", key)
			}
			top.keys[lk] = true
			top.wantKey = false
			top.key = key
			continue
		}
		switch d, _ := tok.(json.Delim); d {
		case '{', '[':
			if len(stack) >= maxDepth {
				return invalid("", "the JSON body is nested too deeply")
			}
			path := ""
			if top != nil {
				path = joinPath(top.path, top.key)
			}
			stack = append(stack, &jsonFrame{object: d == '{', keys: map[string]bool{}, wantKey: d == '{', path: path})
		case '}', ']':
			stack = stack[:len(stack)-1]
			afterValue(stack)
		default:
			afterValue(stack)
		}
	}
	if first {
		return invalid("", "a JSON request body is required")
	}
	return nil
}

type jsonFrame struct {
	object  bool
	keys    map[string]bool
	wantKey bool
	key     string // the key whose value is being read
	path    string
}

// afterValue records that a value ended: an enclosing object expects a key next.
func afterValue(stack []*jsonFrame) {
	if len(stack) > 0 && stack[len(stack)-1].object {
		stack[len(stack)-1].wantKey = true
	}
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func trimJSONErr(err error) string { return strings.TrimPrefix(err.Error(), "json: ") }

// decodeError names the field of a decoding error where encoding/json tells it.
func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return invalid(te.Field, "field %q must be a JSON %s", te.Field, jsonKind(te.Type.Kind().String()))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return invalid("", "malformed JSON: %s", trimJSONErr(err))
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, `json: unknown field "`); ok {
		field := strings.TrimSuffix(rest, `"`)
		return invalid(field, "unknown or read-only field %q", field)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return invalid("", "malformed JSON: unexpected end of input")
	}
	return invalid("", "malformed JSON: %s", trimJSONErr(err))
}

func jsonKind(k string) string {
	switch k {
	case "bool":
		return "boolean"
	case "string":
		return "string"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	}
	return "number"
}

// writeJSON sends v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
