package openapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/invopop/jsonschema"
)

// schemas reflects Go types into the document's components: one component
// per named struct, named after the type (prefixed with its package when
// two packages have a type of that name), refs everywhere else.
type schemas struct {
	comments   map[string]string
	roots      []reflect.Type
	names      map[reflect.Type]string
	types      map[string]reflect.Type
	components map[string]any
	rootSchema map[reflect.Type]map[string]any
	built      bool
}

func newSchemas(comments map[string]string) *schemas {
	return &schemas{
		comments:   comments,
		names:      map[reflect.Type]string{},
		types:      map[string]reflect.Type{},
		components: map[string]any{},
		rootSchema: map[reflect.Type]map[string]any{},
	}
}

// ref registers t before build and returns its schema after (a $ref for a
// named struct, an inline schema for slices and maps of them).
func (s *schemas) ref(t reflect.Type) map[string]any {
	t = deref(t)
	if !s.built {
		if !containsType(s.roots, t) {
			s.roots = append(s.roots, t)
		}
		return nil
	}
	sc, ok := s.rootSchema[t]
	if !ok {
		panic(fmt.Sprintf("openapi: type %s was not registered before build", t))
	}
	return sc
}

func containsType(ts []reflect.Type, t reflect.Type) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

var (
	timeType       = reflect.TypeFor[time.Time]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
)

// build names every struct reachable from the roots, reflects the roots
// and settles which fields are required.
func (s *schemas) build() error {
	var named []reflect.Type
	seen := map[reflect.Type]bool{}
	var collect func(t reflect.Type)
	collect = func(t reflect.Type) {
		for {
			switch t.Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
				t = t.Elem()
				continue
			}
			break
		}
		if t.Kind() != reflect.Struct || seen[t] || t == timeType {
			return
		}
		seen[t] = true
		if t.Name() != "" {
			named = append(named, t)
		}
		for _, f := range jsonFields(t) {
			collect(f.typ)
		}
	}
	for _, t := range s.roots {
		collect(t)
	}
	// Plain types first: a generic type is named after its arguments'
	// names (Page[members.Member] is MemberPage).
	byBase := map[string][]reflect.Type{}
	var generic []reflect.Type
	for _, t := range named {
		if strings.Contains(t.Name(), "[") {
			generic = append(generic, t)
			continue
		}
		byBase[baseName(t)] = append(byBase[baseName(t)], t)
	}
	assign := func(t reflect.Type, name string) error {
		if other, dup := s.types[name]; dup {
			return fmt.Errorf("openapi: types %s and %s would both be named %s", other, t, name)
		}
		s.names[t] = name
		s.types[name] = t
		return nil
	}
	for base, ts := range byBase {
		for _, t := range ts {
			name := exported(base)
			if len(ts) > 1 {
				name = exported(pkgName(t)) + name
			}
			if err := assign(t, name); err != nil {
				return err
			}
		}
	}
	byString := map[string]reflect.Type{}
	for _, t := range named {
		byString[t.PkgPath()+"."+t.Name()] = t
	}
	for _, t := range generic {
		n := t.Name()
		i := strings.IndexByte(n, '[')
		var args []string
		for _, a := range strings.Split(n[i+1:len(n)-1], ",") {
			a = strings.TrimLeft(a, "*[]")
			if at, ok := byString[a]; ok && s.names[at] != "" {
				args = append(args, s.names[at])
			} else {
				args = append(args, exported(a[strings.LastIndexAny(a, "./")+1:]))
			}
		}
		if err := assign(t, strings.Join(args, "")+exported(n[:i])); err != nil {
			return err
		}
	}

	r := &jsonschema.Reflector{
		Anonymous:                  true,
		RequiredFromJSONSchemaTags: true,
		Namer:                      func(t reflect.Type) string { return s.names[t] },
		Mapper:                     mapType,
		CommentMap:                 s.comments,
	}
	for _, t := range s.roots {
		m, err := toMap(r.ReflectFromType(t))
		if err != nil {
			return err
		}
		defs, _ := m["$defs"].(map[string]any)
		for name, d := range defs {
			s.components[name] = rewriteRefs(d)
		}
		delete(m, "$defs")
		delete(m, "$schema")
		delete(m, "$id")
		s.rootSchema[t] = rewriteRefs(m).(map[string]any)
	}
	if err := s.addEnums(); err != nil {
		return err
	}
	for name, d := range s.components {
		if t, ok := s.types[name]; ok {
			settleFields(t, d.(map[string]any))
		}
	}
	s.built = true
	return nil
}

func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("openapi: encode schema: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("openapi: decode schema: %w", err)
	}
	return m, nil
}

// resolve follows a component $ref.
func (s *schemas) resolve(sc map[string]any) map[string]any {
	if ref, ok := sc["$ref"].(string); ok {
		d, _ := s.components[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
		return d
	}
	return sc
}

// rewriteRefs points JSON Schema $defs refs at the document's components.
func rewriteRefs(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "$ref" {
				if s, ok := e.(string); ok {
					x[k] = "#/components/schemas/" + strings.TrimPrefix(s, "#/$defs/")
				}
				continue
			}
			x[k] = rewriteRefs(e)
		}
	case []any:
		for i, e := range x {
			x[i] = rewriteRefs(e)
		}
	}
	return v
}

// baseName is a type's name; a generic Page[pkg.Member] is MemberPage.
func baseName(t reflect.Type) string {
	n := t.Name()
	i := strings.IndexByte(n, '[')
	if i < 0 {
		return n
	}
	var args []string
	for _, a := range strings.Split(n[i+1:len(n)-1], ",") {
		args = append(args, exported(a[strings.LastIndexAny(a, ".*]")+1:]))
	}
	return strings.Join(args, "") + exported(n[:i])
}

func pkgName(t reflect.Type) string {
	p := t.PkgPath()
	return p[strings.LastIndexByte(p, '/')+1:]
}

func exported(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// field is a JSON property of a struct, embedded structs flattened as
// encoding/json does.
type field struct {
	name  string
	typ   reflect.Type
	omit  bool // omitempty, omitzero, or promoted from an optional embedded pointer
	field reflect.StructField
}

func jsonFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := deref(f.Type)
			if et.Kind() == reflect.Struct {
				// encoding/json ignores `json:",omitempty"` on an embedded
				// struct; here it says that the embedded pointer may be nil,
				// which leaves all its fields out.
				optional := f.Type.Kind() == reflect.Pointer && strings.Contains(opts, "omitempty")
				for _, ef := range jsonFields(et) {
					ef.omit = ef.omit || optional
					out = append(out, ef)
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		omit := false
		for _, o := range strings.Split(opts, ",") {
			omit = omit || o == "omitempty" || o == "omitzero"
		}
		out = append(out, field{name: name, typ: f.Type, omit: omit, field: f})
	}
	return out
}

// settleFields decides, for one struct's schema, which properties are
// required and which may be null. A property is required unless it is
// omitted when empty (omitempty, omitzero), a pointer (absent or null
// means "not given"), free-form JSON, or has a default the server fills
// in. A pointer that is not omitted may be null.
func settleFields(t reflect.Type, def map[string]any) {
	props, _ := def["properties"].(map[string]any)
	if props == nil {
		return
	}
	req := map[string]bool{}
	if l, ok := def["required"].([]any); ok {
		for _, n := range l {
			req[n.(string)] = true
		}
	}
	for _, f := range jsonFields(t) {
		p, ok := props[f.name].(map[string]any)
		if !ok {
			continue
		}
		emailFormat(f, p)
		if _, ok := p["default"]; !ok || deref(f.typ).Kind() == reflect.Slice {
			if d, ok := tagDefault(f); ok {
				// invopop drops a field's tags when its type is a
				// component ($ref): keep the default beside the ref.
				p["default"] = d
			}
		}
		_, hasDefault := p["default"]
		switch {
		case req[f.name]: // required by a jsonschema:"required" tag
		case f.omit, hasDefault:
		case f.typ.Kind() == reflect.Pointer:
			props[f.name] = nullable(p)
		case f.typ == rawMessageType, f.typ.Kind() == reflect.Interface, schemer(f.typ) != nil:
		default:
			req[f.name] = true
		}
	}
	if len(req) == 0 {
		delete(def, "required")
		return
	}
	var names []string
	for n := range req {
		names = append(names, n)
	}
	sort.Strings(names)
	def["required"] = names
}

// emailFormat gives the properties that hold email addresses (named
// email, ...Email, or a list named ...Emails) the format email: one
// naming rule of the API rather than a tag on every type. A field tagged
// openapi:"as-given" echoes what a client sent, valid or not (an import
// row's email), and keeps no format.
func emailFormat(f field, p map[string]any) {
	if f.field.Tag.Get("openapi") == "as-given" {
		return
	}
	kind := deref(f.typ).Kind()
	switch {
	case kind == reflect.String && (f.name == "email" || strings.HasSuffix(f.name, "Email")):
		p["format"] = "email"
	case kind == reflect.Slice && deref(f.typ).Elem().Kind() == reflect.String && strings.HasSuffix(f.name, "Emails"):
		if items, ok := p["items"].(map[string]any); ok {
			items["format"] = "email"
		}
	}
}

// tagDefault reads `jsonschema:"default=..."` of a field, typed as the
// field's kind.
func tagDefault(f field) (any, bool) {
	for _, kv := range strings.Split(f.field.Tag.Get("jsonschema"), ",") {
		v, ok := strings.CutPrefix(kv, "default=")
		if !ok {
			continue
		}
		switch deref(f.typ).Kind() {
		case reflect.Int, reflect.Int64, reflect.Int32:
			n, err := strconv.Atoi(v)
			return n, err == nil
		case reflect.Bool:
			b, err := strconv.ParseBool(v)
			return b, err == nil
		case reflect.String:
			return v, true
		case reflect.Slice:
			// Only the empty list: invopop reads other list defaults itself.
			return []any{}, v == "[]"
		}
	}
	return nil, false
}

// nullable lets a property also be null.
func nullable(p map[string]any) map[string]any {
	if typ, ok := p["type"].(string); ok {
		p["type"] = []any{typ, "null"}
		if e, ok := p["enum"].([]any); ok {
			p["enum"] = append(e, nil)
		}
		return p
	}
	return map[string]any{"anyOf": []any{p, map[string]any{"type": "null"}}}
}

// enums are the domain's enumerated string types, each a component.
var enums = []struct {
	typ         reflect.Type
	name        string
	description string
	values      func() []any
}{
	{reflect.TypeFor[gatehouse.Status](), "Status",
		"The status of an account, a membership, an invite or an API token.",
		func() []any {
			return []any{gatehouse.StatusPending, gatehouse.StatusActive, gatehouse.StatusDisabled,
				gatehouse.StatusExpired, gatehouse.StatusAccepted, gatehouse.StatusRevoked}
		}},
	{reflect.TypeFor[gatehouse.SignupMode](), "SignupMode",
		"Who may sign up: anyone (open), the allowed emails and domains (allowlist), or only invitees (invite_only).",
		func() []any {
			return []any{gatehouse.SignupOpen, gatehouse.SignupAllowlist, gatehouse.SignupInviteOnly}
		}},
	{reflect.TypeFor[gatehouse.Code](), "ErrorCode",
		"The stable, machine-readable code of a problem; its HTTP status is fixed (docs/errors.md).",
		func() []any {
			codes := make([]string, 0, len(gatehouse.HTTPStatus))
			for c := range gatehouse.HTTPStatus {
				codes = append(codes, string(c))
			}
			sort.Strings(codes)
			var out []any
			for _, c := range codes {
				out = append(out, c)
			}
			return out
		}},
}

// Schemer is implemented by a body field's type whose JSON is not its Go
// shape (it has its own UnmarshalJSON): OpenAPISchema gives the JSON
// Schema of what it accepts. A field of such a type is never required: it
// decides itself what being absent means.
type Schemer interface {
	OpenAPISchema() map[string]any
}

var schemerType = reflect.TypeFor[Schemer]()

// schemer returns the schema a type gives itself, nil when it gives none.
func schemer(t reflect.Type) *jsonschema.Schema {
	var v reflect.Value
	switch {
	case t.Implements(schemerType):
		v = reflect.Zero(t)
	case reflect.PointerTo(t).Implements(schemerType):
		v = reflect.New(t)
	default:
		return nil
	}
	b, err := json.Marshal(v.Interface().(Schemer).OpenAPISchema())
	if err != nil {
		panic(fmt.Sprintf("openapi: the schema of %s: %v", t, err))
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(b, &s); err != nil {
		panic(fmt.Sprintf("openapi: the schema of %s: %v", t, err))
	}
	return &s
}

// mapType refers the domain's enumerated string types to their components.
func mapType(t reflect.Type) *jsonschema.Schema {
	if s := schemer(t); s != nil {
		return s
	}
	for _, e := range enums {
		if e.typ == t {
			return &jsonschema.Schema{Ref: "#/$defs/" + e.name}
		}
	}
	switch t {
	case rawMessageType:
		return &jsonschema.Schema{Description: "Any JSON value."}
	case reflect.TypeFor[Doc]():
		props := jsonschema.NewProperties()
		props.Set("openapi", &jsonschema.Schema{Type: "string", Examples: []any{"3.1.0"}})
		props.Set("info", &jsonschema.Schema{Type: "object"})
		props.Set("servers", &jsonschema.Schema{Type: "array"})
		props.Set("paths", &jsonschema.Schema{Type: "object"})
		props.Set("components", &jsonschema.Schema{Type: "object"})
		return &jsonschema.Schema{Type: "object", Properties: props, Required: []string{"openapi", "info", "paths"},
			Description: "This document: an OpenAPI 3.1 description of the API."}
	}
	return nil
}

// addEnums adds the enumerated types' components.
func (s *schemas) addEnums() error {
	for _, e := range enums {
		if t, dup := s.types[e.name]; dup {
			return fmt.Errorf("openapi: type %s and the enum %s share a name", t, e.name)
		}
		s.components[e.name] = map[string]any{"type": "string", "enum": e.values(), "description": e.description}
	}
	return nil
}

// patchProblem gives the problem's reason its values.
func (s *schemas) patchProblem(reasons []string) {
	p, _ := s.components["Problem"].(map[string]any)
	props, _ := p["properties"].(map[string]any)
	if props["reason"] == nil || len(reasons) == 0 {
		return
	}
	var e []any
	for _, r := range reasonsSorted(reasons) {
		e = append(e, r)
	}
	s.components["Reason"] = map[string]any{"type": "string", "enum": e,
		"description": "Why a request was refused (docs/errors.md says what a client should do about each)."}
	props["reason"] = map[string]any{"$ref": "#/components/schemas/Reason"}
}

// queryParams lists the query parameters of a GET or DELETE route's input:
// the fields tagged `query:"name"`, embedded structs included.
func (s *schemas) queryParams(t reflect.Type) ([]any, error) {
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("query input %s is not a struct", t)
	}
	r := &jsonschema.Reflector{
		Anonymous:                  true,
		RequiredFromJSONSchemaTags: true,
		DoNotReference:             true,
		ExpandedStruct:             true,
		FieldNameTag:               "query",
		Mapper:                     mapType,
		CommentMap:                 s.comments,
	}
	m, err := toMap(r.ReflectFromType(t))
	if err != nil {
		return nil, err
	}
	props, _ := m["properties"].(map[string]any)
	req := map[string]bool{}
	if l, ok := m["required"].([]any); ok {
		for _, n := range l {
			req[n.(string)] = true
		}
	}
	var out []any
	for _, name := range queryNames(t) {
		p, ok := props[name].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("query field %q of %s has no schema", name, t)
		}
		param := map[string]any{"name": name, "in": "query", "required": req[name], "schema": p}
		if d, ok := p["description"]; ok {
			param["description"] = d
			delete(p, "description")
		}
		out = append(out, param)
	}
	return out, nil
}

func queryNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && deref(f.Type).Kind() == reflect.Struct && f.Tag.Get("query") == "" {
			out = append(out, queryNames(deref(f.Type))...)
			continue
		}
		if name := f.Tag.Get("query"); name != "" && name != "-" && f.IsExported() {
			out = append(out, name)
		}
	}
	return out
}
