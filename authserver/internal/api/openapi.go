package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// The OpenAPI 3.0 document is built once from the route table, so the
// document and the mux cannot drift apart; schemas come from the wire types
// of internal/apiv1 by reflection, enums from its lists of allowed values.

var pathParamRE = regexp.MustCompile(`\{([a-z_]+)(\.\.\.)?\}`)

// enums are the allowed values of enumerated string fields by JSON name, or
// by "Schema.field" where one name means different things (kind).
var enums = map[string][]string{
	"role":                  apiv1.Roles,
	"visibility":            apiv1.Visibilities,
	"push_policy":           apiv1.PushPolicies,
	"team_creation":         apiv1.TeamCreations,
	"namespace_creation":    apiv1.NamespaceCreations,
	"Namespace.kind":        apiv1.NamespaceKinds,
	"Permission.kind":       apiv1.PermissionKinds,
	"CreatePermission.kind": apiv1.PermissionKinds,
}

// enumOf is the enum of field jsonName of schema name, or nil.
func enumOf(name, jsonName string) []string {
	if vals, ok := enums[name+"."+jsonName]; ok {
		return vals
	}
	return enums[jsonName]
}

// openAPIPath turns a ServeMux pattern into an OpenAPI path template.
func openAPIPath(pattern string) string { return pathParamRE.ReplaceAllString(pattern, "{$1}") }

type schemaSet struct {
	defs map[string]any
}

func (s *schemaSet) of(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeOf(time.Time{}) {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": s.of(t.Elem())}
	case reflect.Struct:
		name := schemaName(t)
		if _, ok := s.defs[name]; !ok {
			s.defs[name] = nil // break cycles
			props := map[string]any{}
			var required []string
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				tag := f.Tag.Get("json")
				if tag == "-" || !f.IsExported() {
					continue
				}
				jn, opts, _ := strings.Cut(tag, ",")
				if jn == "" {
					jn = f.Name
				}
				prop := s.of(f.Type)
				if vals := enumOf(name, jn); vals != nil && prop["type"] == "string" {
					prop["enum"] = vals
				}
				props[jn] = prop
				if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
					required = append(required, jn)
				}
			}
			def := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
			if len(required) > 0 {
				sort.Strings(required)
				def["required"] = required
			}
			s.defs[name] = def
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// schemaName names a type for components: apiv1.Page[apiv1.Team] → PageTeam.
func schemaName(t reflect.Type) string {
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 {
		inner := n[i+1 : len(n)-1]
		if j := strings.LastIndexByte(inner, '.'); j >= 0 {
			inner = inner[j+1:]
		}
		n = n[:i] + inner
	}
	return n
}

func (a *API) buildOpenAPI() []byte {
	schemas := &schemaSet{defs: map[string]any{}}
	errRef := map[string]any{"$ref": "#/components/schemas/Error"}
	schemas.of(reflect.TypeOf(apiv1.Error{}))
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": errRef}}}
	}
	paths := map[string]map[string]any{}
	for _, rt := range a.routes {
		p := openAPIPath(rt.Pattern)
		op := map[string]any{
			"summary":     rt.Summary,
			"tags":        []string{rt.Tag},
			"operationId": operationID(rt),
		}
		var params []any
		for _, m := range pathParamRE.FindAllStringSubmatch(rt.Pattern, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		query := rt.Query
		if rt.Paged {
			query = append([]string{"page_size", "page_token", "q"}, query...)
		}
		for _, q := range query {
			sch := map[string]any{"type": "string"}
			if q == "page_size" {
				sch = map[string]any{"type": "integer", "minimum": 1, "maximum": maxPageSize, "default": defaultPageSize}
			}
			if q == "since" || q == "until" {
				sch = map[string]any{"type": "string", "format": "date-time"}
			}
			if q == "format" {
				sch = map[string]any{"type": "string", "enum": []string{"json", "csv"}, "default": "json"}
			}
			params = append(params, map[string]any{"name": q, "in": "query", "required": false, "schema": sch})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemas.of(reflect.TypeOf(rt.Request))}}}
		}
		status := rt.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if rt.Response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemas.of(reflect.TypeOf(rt.Response))}}
		}
		if rt.Pattern == "/api/v1/openapi.json" {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}
		}
		if rt.Pattern == "/api/v1/audit" {
			// format=csv: the filtered log as CSV (up to service.MaxAuditCSVRows).
			ok["content"].(map[string]any)["text/csv"] = map[string]any{"schema": map[string]any{"type": "string"}}
		}
		responses := map[string]any{strconv.Itoa(status): ok, "503": errResp("The database is unavailable; retry")}
		if rt.Public {
			op["security"] = []any{}
		} else {
			responses["401"] = errResp("Missing or bad credentials")
			responses["403"] = errResp("Not allowed")
			responses["404"] = errResp("Not found, or not visible to the caller")
		}
		if rt.Request != nil || rt.Paged || len(rt.Query) > 0 {
			responses["400"] = errResp("Invalid request; field names the culprit")
		}
		if rt.Request != nil {
			responses["413"] = errResp("Request body too large")
		}
		if rt.Method != http.MethodGet {
			responses["409"] = errResp("Conflict (exists, still in use, last owner or admin)")
		}
		op["responses"] = responses
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(rt.Method)] = op
	}
	server := "/"
	if a.publicURL != "" {
		server = strings.TrimSuffix(a.publicURL, "/")
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "Dockmaster API",
			"version":     "v1",
			"description": "Users, teams, namespaces, permissions, robot accounts, repositories, settings and audit of a Dockmaster registry. Lists are paged with page_size (default 50, at most 200) and the opaque page_token of the previous answer.",
		},
		"servers": []any{map[string]any{"url": server}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas.defs,
			"securitySchemes": map[string]any{
				"basic":  map[string]any{"type": "http", "scheme": "basic"},
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "An application token or a robot secret"},
			},
		},
		"security": []any{map[string]any{"basic": []any{}}, map[string]any{"bearer": []any{}}},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic("openapi: " + err.Error()) // static data: a failure is a programming error
	}
	return b
}

func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, seg := range strings.Split(strings.TrimPrefix(rt.Pattern, "/api/v1/"), "/") {
		seg = strings.Trim(seg, "{}.")
		seg = strings.NewReplacer(".", "", "_", "").Replace(seg)
		if seg == "" {
			continue
		}
		if strings.Contains(rt.Pattern, "{"+seg) {
			b.WriteString("By")
		}
		b.WriteString(strings.ToUpper(seg[:1]) + seg[1:])
	}
	return b.String()
}

func (a *API) getOpenAPI(w http.ResponseWriter, r *http.Request, c *caller) error {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.openapi)
	return nil
}

// OpenAPI returns the document served at /api/v1/openapi.json.
func (a *API) OpenAPI() []byte { return append([]byte(nil), a.openapi...) }
