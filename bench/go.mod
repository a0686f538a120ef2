// Module bench holds Gatehouse's benchmarks that need code the production
// module must never depend on (Casbin), the cold start and load drivers,
// and the report that make bench prints. It builds against the checkout
// beside it.
module github.com/gatehouse-dev/gatehouse/bench

go 1.26

require (
	github.com/aws/aws-lambda-go v1.55.1
	github.com/casbin/casbin/v2 v2.105.0
	github.com/gatehouse-dev/gatehouse v0.0.0-00010101000000-000000000000
)

require (
	github.com/bmatcuk/doublestar/v4 v4.6.1 // indirect
	github.com/casbin/govaluate v1.3.0 // indirect
)

replace github.com/gatehouse-dev/gatehouse => ../

// The same patched minidyn as the main module (replace directives of a
// dependency do not apply to the module that requires it).
replace github.com/truora/minidyn => ../third_party/minidyn
