package imports

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// MaxRows is the most rows one import takes.
const MaxRows = 1000

// MaxBodyBytes bounds an import's request body: 1,000 rows of a few hundred
// bytes each, far under API Gateway's 10 MB and Lambda's 6 MB.
const MaxBodyBytes = 1 << 20

// Row is one user to import.
type Row struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
	// Roles given in the org (rule 6: only what the importer may give).
	Roles []string `json:"roles"`
	// Groups to put the member in, by id or by name.
	Groups []string `json:"groups,omitempty"`
	// ExpiresAt of the membership (rule 8: at most the importer's own).
	ExpiresAt     *time.Time `json:"expiresAt,omitempty"`
	UserLimit     *int       `json:"userLimit,omitempty"`
	ResourceLimit *int       `json:"resourceLimit,omitempty"`
}

// Input is the body of POST /v1/orgs/{orgId}/imports: the rows as JSON, or
// a CSV file's text. The CSV's first line names its columns: email
// (required), name, roles, groups (several separated by ";"), expiresAt
// (RFC 3339), userLimit, resourceLimit.
type Input struct {
	Rows []Row  `json:"rows,omitempty"`
	CSV  string `json:"csv,omitempty"`
}

// parsed is a row, or why it cannot be one.
type parsed struct {
	row    Row
	fields []gatehouse.FieldError
}

var csvColumns = []string{"email", "name", "roles", "groups", "expiresat", "userlimit", "resourcelimit"}

// rows returns the input's rows. A file that cannot be read at all, or has
// more than MaxRows rows, is a validation error of the request; a row with
// a bad value is that row's refusal.
func (in Input) rows() ([]parsed, error) {
	switch {
	case in.CSV != "" && in.Rows != nil:
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "csv", Message: "give rows or csv, not both"})
	case in.CSV == "" && len(in.Rows) == 0:
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "rows", Message: "give at least one row (rows or csv)"})
	case in.CSV == "":
		if len(in.Rows) > MaxRows {
			return nil, tooMany()
		}
		out := make([]parsed, len(in.Rows))
		for i, r := range in.Rows {
			out[i] = parsed{row: r}
		}
		return out, nil
	}
	cr := csv.NewReader(strings.NewReader(in.CSV))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "csv", Message: "no header line"})
	}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		known := false
		for _, c := range csvColumns {
			known = known || c == name
		}
		if !known {
			return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "csv", Message: fmt.Sprintf("unknown column %q (known: email, name, roles, groups, expiresAt, userLimit, resourceLimit)", h)})
		}
		col[name] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "csv", Message: "the header has no email column"})
	}
	var out []parsed
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "csv", Message: err.Error()})
		}
		if len(out) == MaxRows {
			return nil, tooMany()
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		var p parsed
		p.row = Row{Email: get("email"), Name: get("name"), Roles: list(get("roles")), Groups: list(get("groups"))}
		if v := get("expiresat"); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				p.fields = append(p.fields, gatehouse.FieldError{Field: "expiresAt", Message: "must be an RFC 3339 time"})
			} else {
				t = t.UTC()
				p.row.ExpiresAt = &t
			}
		}
		for name, dst := range map[string]**int{"userlimit": &p.row.UserLimit, "resourcelimit": &p.row.ResourceLimit} {
			if v := get(name); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil {
					p.fields = append(p.fields, gatehouse.FieldError{Field: name, Message: "must be a whole number"})
					continue
				}
				*dst = &n
			}
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Field: "csv", Message: "no rows after the header"})
	}
	return out, nil
}

func tooMany() error {
	return gatehouse.Invalid(gatehouse.FieldError{Field: "rows", Message: fmt.Sprintf("at most %d rows per import; split the file", MaxRows)})
}

// list splits a CSV cell of several values ("a;b").
func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ";") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
