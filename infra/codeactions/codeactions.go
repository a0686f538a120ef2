// Package codeactions finds, by static analysis of the Go code, the AWS
// actions each Gatehouse function can perform on the table, the user pool
// and the email sender. The infra tests compare them with the IAM grants of
// the synthesized template, both ways.
//
// Each function is analysed from its command, functions/<name>: the
// repository's packages are compiled to SSA, and a reachability pass in the
// manner of rapid type analysis starts at the command's main and init:
// static calls are followed; an interface method call reaches that method
// of every type converted to an interface in reachable code; and a function
// whose value is taken (a handler given to lambda.Start or to a router) is
// reachable, as code outside the repository may call it. Dependencies
// outside the repository are read from their type information only, so a
// call into the AWS SDK ends at the SDK method it names:
//
//   - a method of *dynamodb.Client, *cognitoidentityprovider.Client,
//     *sesv2.Client or *eventbridge.Client is the IAM action of the same
//     name;
//   - NextPage of an SDK paginator is its operation;
//   - DynamoDB transactions have no IAM action of their own: a
//     TransactWriteItems needs the item actions of the entries it holds, a
//     TransactGetItems GetItem, so the entries the reachable code builds
//     (TransactWriteItem.Put, .Update, .Delete, .ConditionCheck,
//     TransactGetItem.Get) count as those actions;
//   - a Query whose input names an index (QueryInput.IndexName) needs Query
//     on that index. The name is followed to a constant: directly, through
//     a parameter (the constants the reached call sites pass), or through a
//     struct field (the constants reached code stores in it; "" is the
//     table); a name computed otherwise means every index. A Query input
//     built without an index, or whose index is set only on some paths (and
//     not from a field), needs Query on the table.
//
// The analysis over-approximates what a function does (a reachable call
// may never run), never under-approximates what its code can call, except
// through reflection, which the repository does not use for AWS calls.
package codeactions

import (
	"fmt"
	"go/constant"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// Resource kinds of a Use.
const (
	Table    = "table"    // the DynamoDB table
	Index    = "index:"   // + an index name, or "*" for every index
	Pool     = "pool"     // the Cognito user pool
	Identity = "identity" // the SES sending identity
	Bus      = "bus"      // the event stream's EventBridge bus
)

// Use is one action on one resource kind, e.g. {"dynamodb:Query", "index:GSI1"}.
type Use struct {
	Action   string
	Resource string
}

func (u Use) String() string { return u.Action + " on " + u.Resource }

// Uses maps each use a function makes to one place in the code that makes it.
type Uses map[Use]token.Position

// Sorted lists the uses in a stable order.
func (u Uses) Sorted() []Use {
	out := make([]Use, 0, len(u))
	for k := range u {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// The SDK clients whose calls are actions, by package path, with the IAM
// service prefix and the resource their actions act on.
var clients = map[string]struct{ prefix, resource string }{
	"github.com/aws/aws-sdk-go-v2/service/dynamodb":                {"dynamodb:", Table},
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider": {"cognito-idp:", Pool},
	"github.com/aws/aws-sdk-go-v2/service/sesv2":                   {"ses:", Identity},
	"github.com/aws/aws-sdk-go-v2/service/eventbridge":             {"events:", Bus},
}

const ddbTypes = "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

// DynamoDB calls that IAM authorizes as the item actions they carry.
var transactions = map[string]bool{"TransactWriteItems": true, "TransactGetItems": true}

// Transaction entries and the item action each needs.
var entryActions = map[string]map[string]string{
	"TransactWriteItem": {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"},
	"TransactGetItem":   {"Get": "GetItem"},
}

// Analyze returns the uses of each function, functions/<name> under root
// (the repository root, a Go module).
func Analyze(root string, functions []string) (map[string]Uses, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedTypes |
			packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedModule,
		Dir: root,
	}
	// Every package of the repository from source, so that their bodies are
	// analysed; everything else from export data.
	pkgs, err := packages.Load(cfg, "./functions/...", "./shared/...")
	if err != nil {
		return nil, err
	}
	var errs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("load: %s", strings.Join(errs, "; "))
	}
	prog, ssaPkgs := ssautil.Packages(pkgs, ssa.InstantiateGenerics)
	prog.Build()

	mains := map[string]*ssa.Package{}
	for i, p := range pkgs {
		if p.Name == "main" && ssaPkgs[i] != nil {
			mains[filepath.Base(p.PkgPath)] = ssaPkgs[i]
		}
	}
	out := map[string]Uses{}
	for _, name := range functions {
		m := mains[name]
		if m == nil {
			return nil, fmt.Errorf("no command functions/%s", name)
		}
		out[name] = analyse(prog, m)
	}
	return out, nil
}

// reach is the reachability pass of one program from one main package.
type reach struct {
	prog      *ssa.Program
	seen      map[*ssa.Function]bool
	work      []*ssa.Function
	types     map[types.Type]bool // converted to an interface
	typeList  []types.Type
	invokes   map[*types.Func]token.Pos // interface methods called, from where
	invokeLst []*types.Func
	uses      Uses
	// queries are the tables and indexes Query inputs name; they count
	// once a Query call is reached.
	queries Uses
	queried bool
	// fieldStores are the values stored in struct fields by reached code
	// (a constant string, or "*"), by field; fields are the index names read
	// from a struct field, resolved from those stores at the end.
	fieldStores map[string]map[string]bool
	fields      []fieldIndex
	// calls are the static call sites reached, by callee, and params the
	// index names that are a parameter of their function, resolved from
	// those call sites at the end.
	calls   map[*ssa.Function][]*ssa.CallCommon
	dynamic map[*ssa.Function]bool // used as a value, maybe called from unknown sites
	params  []*ssa.Parameter
}

func analyse(prog *ssa.Program, main *ssa.Package) Uses {
	r := &reach{
		prog: prog, seen: map[*ssa.Function]bool{}, types: map[types.Type]bool{},
		invokes: map[*types.Func]token.Pos{}, uses: Uses{}, queries: Uses{},
		calls: map[*ssa.Function][]*ssa.CallCommon{}, dynamic: map[*ssa.Function]bool{},
		fieldStores: map[string]map[string]bool{},
	}
	r.add(main.Func("init"), token.NoPos)
	r.add(main.Func("main"), token.NoPos)
	for len(r.work) > 0 {
		f := r.work[len(r.work)-1]
		r.work = r.work[:len(r.work)-1]
		r.visit(f)
	}
	for _, p := range r.params {
		r.paramIndex(p)
	}
	for _, f := range r.fields {
		r.fieldIndex(f)
	}
	if r.queried {
		for u, pos := range r.queries {
			if _, ok := r.uses[u]; !ok {
				r.uses[u] = pos
			}
		}
	}
	return r.uses
}

// add reaches f, from a call or reference at pos.
func (r *reach) add(f *ssa.Function, pos token.Pos) {
	if f == nil || r.seen[f] {
		return
	}
	r.seen[f] = true
	r.sdkCall(f, pos)
	if f.Blocks != nil {
		r.work = append(r.work, f)
	}
}

func (r *reach) use(into Uses, action, resource string, pos token.Pos) {
	u := Use{action, resource}
	if _, ok := into[u]; !ok {
		into[u] = r.prog.Fset.Position(pos)
	}
}

// sdkCall records the action of a reached SDK method, first reached from
// pos.
func (r *reach) sdkCall(f *ssa.Function, pos token.Pos) {
	recv := f.Signature.Recv()
	if recv == nil {
		return
	}
	named := namedOf(recv.Type())
	if named == nil || named.Obj().Pkg() == nil {
		return
	}
	c, ok := clients[named.Obj().Pkg().Path()]
	if !ok {
		return
	}
	tname := named.Obj().Name()
	switch {
	case tname == "Client" && f.Object() != nil && f.Object().Exported():
		r.action(c.prefix, f.Name(), c.resource, pos)
	case f.Name() == "NextPage" && strings.HasSuffix(tname, "Paginator"):
		r.action(c.prefix, strings.TrimSuffix(tname, "Paginator"), c.resource, pos)
	}
}

func (r *reach) action(prefix, op, resource string, pos token.Pos) {
	switch {
	case prefix == "dynamodb:" && transactions[op]:
		// Counted by their entries (fieldStore).
	case prefix == "dynamodb:" && op == "Query":
		r.queried = true // on what: queryInput
	default:
		r.use(r.uses, prefix+op, resource, pos)
	}
}

func (r *reach) visit(f *ssa.Function) {
	for _, b := range f.Blocks {
		for _, instr := range b.Instrs {
			switch in := instr.(type) {
			case ssa.CallInstruction:
				call := in.Common()
				if call.IsInvoke() {
					r.invoke(call.Method, in.Pos())
				} else if g := call.StaticCallee(); g != nil {
					r.calls[g] = append(r.calls[g], call)
					r.add(g, in.Pos())
				}
			case *ssa.MakeInterface:
				r.runtimeType(in.X.Type())
			case *ssa.MakeClosure:
				r.add(in.Fn.(*ssa.Function), in.Pos())
			case *ssa.FieldAddr:
				r.fieldStore(in)
			case *ssa.Store:
				r.anyFieldStore(in)
			case *ssa.Alloc:
				r.queryInput(in)
			}
			// A function used as a value may be called from anywhere.
			var ops [8]*ssa.Value
			for _, op := range instr.Operands(ops[:0]) {
				if g, ok := (*op).(*ssa.Function); ok {
					if call, ok := instr.(ssa.CallInstruction); ok && call.Common().Value == *op && !call.Common().IsInvoke() {
						continue // a static call, handled above
					}
					r.dynamic[g] = true
					r.add(g, instr.Pos())
				}
			}
		}
	}
}

// invoke reaches method m of every type converted to an interface so far
// (and, through runtimeType, of every type converted later).
func (r *reach) invoke(m *types.Func, pos token.Pos) {
	if _, ok := r.invokes[m]; ok {
		return
	}
	r.invokes[m] = pos
	r.invokeLst = append(r.invokeLst, m)
	for _, t := range r.typeList {
		r.dispatch(t, m)
	}
}

func (r *reach) runtimeType(t types.Type) {
	if r.types[t] {
		return
	}
	for k := range r.types { // identical types from different instantiations
		if types.Identical(k, t) {
			return
		}
	}
	r.types[t] = true
	r.typeList = append(r.typeList, t)
	for _, m := range r.invokeLst {
		r.dispatch(t, m)
	}
}

func (r *reach) dispatch(t types.Type, m *types.Func) {
	iface, ok := m.Type().(*types.Signature).Recv().Type().Underlying().(*types.Interface)
	if !ok || !types.Implements(t, iface) {
		return
	}
	sel := r.prog.MethodSets.MethodSet(t).Lookup(m.Pkg(), m.Name())
	if sel == nil {
		return
	}
	r.add(r.prog.MethodValue(sel), r.invokes[m])
}

// fieldStore records the item action of a transaction entry built here.
func (r *reach) fieldStore(fa *ssa.FieldAddr) {
	named := namedOf(fa.X.Type())
	if named == nil || named.Obj().Pkg() == nil || named.Obj().Pkg().Path() != ddbTypes {
		return
	}
	fields := entryActions[named.Obj().Name()]
	if fields == nil || !stored(fa) {
		return
	}
	st := named.Underlying().(*types.Struct)
	if a, ok := fields[st.Field(fa.Field).Name()]; ok {
		r.use(r.uses, "dynamodb:"+a, Table, fa.Pos())
	}
}

// queryInput records where a Query built at this allocation reads: the
// index it names, or the table.
func (r *reach) queryInput(a *ssa.Alloc) {
	named := namedOf(a.Type())
	if named == nil || named.Obj().Pkg() == nil || named.Obj().Pkg().Path() != "github.com/aws/aws-sdk-go-v2/service/dynamodb" || named.Obj().Name() != "QueryInput" {
		return
	}
	onTable := true
	for _, ref := range *a.Referrers() {
		fa, ok := ref.(*ssa.FieldAddr)
		if !ok || named.Underlying().(*types.Struct).Field(fa.Field).Name() != "IndexName" {
			continue
		}
		for _, st := range *fa.Referrers() {
			s, ok := st.(*ssa.Store)
			if !ok || s.Addr != fa {
				continue
			}
			switch x := awsString(s.Val); {
			case paramOf(s.Val) != nil:
				r.params = append(r.params, paramOf(s.Val))
			case fieldOf(x) != "":
				// The name travels in a struct field: the values stored
				// there decide the index, or the table ("").
				r.fields = append(r.fields, fieldIndex{fieldOf(x), s.Pos()})
				onTable = false
			default:
				r.use(r.queries, "dynamodb:Query", Index+indexName(s.Val), s.Pos())
			}
			// Set on every path only if stored in the block that allocates.
			if s.Block() == a.Block() {
				onTable = false
			}
		}
	}
	if onTable {
		r.use(r.queries, "dynamodb:Query", Table, a.Pos())
	}
}

// indexName is the constant index name stored, or "*" when it is computed.
func indexName(v ssa.Value) string {
	if c, ok := awsString(v).(*ssa.Const); ok && c.Value != nil && c.Value.Kind() == constant.String {
		return constant.StringVal(c.Value)
	}
	return "*"
}

// awsString returns x of aws.String(x), or nil.
func awsString(v ssa.Value) ssa.Value {
	call, ok := v.(*ssa.Call)
	if !ok {
		return nil
	}
	if fn := call.Call.StaticCallee(); fn == nil || fn.Name() != "String" || fn.Pkg == nil || fn.Pkg.Pkg.Path() != "github.com/aws/aws-sdk-go-v2/aws" || len(call.Call.Args) != 1 {
		return nil
	}
	return call.Call.Args[0]
}

// paramOf returns p of aws.String(p) when p is a parameter of the function.
func paramOf(v ssa.Value) *ssa.Parameter {
	p, _ := awsString(v).(*ssa.Parameter)
	return p
}

// paramIndex resolves an index name passed as parameter p from the
// reached call sites of its function: a constant is that index, an empty
// one no index (the input then reads the table, counted by queryInput);
// anything else, or a function also called dynamically, every index.
func (r *reach) paramIndex(p *ssa.Parameter) {
	fn := p.Parent()
	i := slices.Index(fn.Params, p)
	sites := r.calls[fn]
	if len(sites) == 0 || fn.Object() == nil || r.dynamic[fn] {
		r.use(r.queries, "dynamodb:Query", Index+"*", p.Pos())
		return
	}
	for _, c := range sites {
		k, ok := c.Args[i].(*ssa.Const)
		switch {
		case !ok || k.Value == nil || k.Value.Kind() != constant.String:
			r.use(r.queries, "dynamodb:Query", Index+"*", c.Pos())
		case constant.StringVal(k.Value) != "":
			r.use(r.queries, "dynamodb:Query", Index+constant.StringVal(k.Value), c.Pos())
		}
	}
}

// fieldIndex is an index name read from a struct field, at pos.
type fieldIndex struct {
	field string
	pos   token.Pos
}

// fieldKey names a struct field: package path, type name, field name.
func fieldKey(t types.Type, i int) string {
	named := namedOf(t)
	if named == nil || named.Obj().Pkg() == nil {
		return ""
	}
	st, ok := named.Underlying().(*types.Struct)
	if !ok || i >= st.NumFields() {
		return ""
	}
	return named.Obj().Pkg().Path() + "." + named.Obj().Name() + "." + st.Field(i).Name()
}

// fieldOf returns the field that v was read from (x.f of a struct value, or
// *(&p.f) through a pointer), or "".
func fieldOf(v ssa.Value) string {
	switch x := v.(type) {
	case *ssa.Field:
		return fieldKey(x.X.Type(), x.Field)
	case *ssa.UnOp:
		if fa, ok := x.X.(*ssa.FieldAddr); ok && x.Op == token.MUL {
			return fieldKey(fa.X.Type(), fa.Field)
		}
	}
	return ""
}

// anyFieldStore records a string stored into a struct field.
func (r *reach) anyFieldStore(s *ssa.Store) {
	fa, ok := s.Addr.(*ssa.FieldAddr)
	if !ok {
		return
	}
	if b, ok := s.Val.Type().Underlying().(*types.Basic); !ok || b.Info()&types.IsString == 0 {
		return
	}
	k := fieldKey(fa.X.Type(), fa.Field)
	if k == "" {
		return
	}
	if r.fieldStores[k] == nil {
		r.fieldStores[k] = map[string]bool{}
	}
	if c, ok := s.Val.(*ssa.Const); ok && c.Value != nil && c.Value.Kind() == constant.String {
		r.fieldStores[k][constant.StringVal(c.Value)] = true
	} else {
		r.fieldStores[k]["*"] = true
	}
}

// fieldIndex resolves an index name read from a struct field: each constant
// stored in that field by reached code is an index (or, "", the table); a
// computed one is every index. A field nothing stores into is the table
// (its zero value).
func (r *reach) fieldIndex(f fieldIndex) {
	vals := r.fieldStores[f.field]
	if len(vals) == 0 {
		r.use(r.queries, "dynamodb:Query", Table, f.pos)
		return
	}
	for v := range vals {
		switch v {
		case "":
			r.use(r.queries, "dynamodb:Query", Table, f.pos)
		default:
			r.use(r.queries, "dynamodb:Query", Index+v, f.pos)
		}
	}
}

func stored(fa *ssa.FieldAddr) bool {
	for _, ref := range *fa.Referrers() {
		if s, ok := ref.(*ssa.Store); ok && s.Addr == fa {
			return true
		}
	}
	return false
}

func namedOf(t types.Type) *types.Named {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, _ := types.Unalias(t).(*types.Named)
	return n
}

// EnvVars returns the environment variables the functions read: the string
// constants of shared/app named Env*.
func EnvVars(root string) ([]string, error) {
	pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedTypes, Dir: root}, "./shared/app")
	if err != nil {
		return nil, err
	}
	if len(pkgs) != 1 || len(pkgs[0].Errors) > 0 || pkgs[0].Types == nil {
		return nil, fmt.Errorf("load shared/app: %v", pkgs)
	}
	scope := pkgs[0].Types.Scope()
	var out []string
	for _, name := range scope.Names() {
		c, ok := scope.Lookup(name).(*types.Const)
		if !ok || !strings.HasPrefix(name, "Env") || c.Val().Kind() != constant.String {
			continue
		}
		out = append(out, constant.StringVal(c.Val()))
	}
	sort.Strings(out)
	return out, nil
}
