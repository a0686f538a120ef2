package main

import (
	"slices"
	"testing"
)

func TestCtxList(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want []string
	}{
		{"unset", nil, nil},
		{"comma-separated", "https://a.example, https://b.example,", []string{"https://a.example", "https://b.example"}},
		{"list", []any{"https://a.example"}, []string{"https://a.example"}},
		{"empty list", []any{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ctxList(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("ctxList(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	valid := func() *GatehouseStackProps { return testProps("prod", "/tmp/build") }
	tests := []struct {
		name   string
		change func(*GatehouseStackProps)
		ok     bool
	}{
		{"defaults", func(*GatehouseStackProps) {}, true},
		{"bad stage", func(p *GatehouseStackProps) { p.Stage = "Prod_1" }, false},
		{"long cache TTL", func(p *GatehouseStackProps) { p.AuthzCacheTTL = "1h" }, false},
		{"short cache TTL", func(p *GatehouseStackProps) { p.AuthzCacheTTL = "30s" }, true},
		{"bad log level", func(p *GatehouseStackProps) { p.LogLevel = "verbose" }, false},
		{"bad sender", func(p *GatehouseStackProps) { p.EmailFrom = "example.com" }, false},
		{"bad origin", func(p *GatehouseStackProps) { p.CORSOrigins = []string{"app.example.com"} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.change(p)
			if err := p.validate(); (err == nil) != tt.ok {
				t.Errorf("validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestEphemeral(t *testing.T) {
	for stage, want := range map[string]bool{"dev": true, "dev-alice": true, "prod": false, "staging": false, "devops": false} {
		if got := (&GatehouseStackProps{Stage: stage}).Ephemeral(); got != want {
			t.Errorf("Ephemeral(%q) = %v, want %v", stage, got, want)
		}
	}
}
