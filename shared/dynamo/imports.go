package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Bulk imports (docs/imports.md). The job item holds the counters a client
// polls while the import runs; the rows' results are written in chunks
// when it ends. Both are bookkeeping: every member an import creates or
// invites is its own transaction with its own audit event (the members
// and invites paths), and the job's start and end are audited too. Jobs and
// results expire (ttl) after importRetention.

const (
	kindImport        = "import"
	kindImportResults = "importresults"
	// ImportResultsPerChunk is how many row results one item holds (a
	// row's result is at most a few hundred bytes; an item at most 400 KB).
	ImportResultsPerChunk = 100
	importRetention       = 30 * 24 * time.Hour
)

func importItem(j *gatehouse.ImportJob) item {
	return newItem(importKey(j.OrgID, j.ID)).
		setS(attrKind, kindImport).
		setS("importId", j.ID).
		setS("orgId", j.OrgID).
		setS(attrStatus, j.Status).
		setN("total", int64(j.Total)).
		setN("processed", int64(j.Processed)).
		setN("created", int64(j.Created)).
		setN("invited", int64(j.Invited)).
		setN("skipped", int64(j.Skipped)).
		setN("refused", int64(j.Refused)).
		setS("createdBy", j.CreatedBy).
		setTime(attrCreated, j.CreatedAt).
		setTime(attrUpdated, j.UpdatedAt).
		setTimePtr("finishedAt", j.FinishedAt).
		setN(tabledef.TTLAttribute, j.CreatedAt.Add(importRetention).Unix())
}

func decodeImport(it item) *gatehouse.ImportJob {
	return &gatehouse.ImportJob{
		ID: it.getS("importId"), OrgID: it.getS("orgId"), Status: it.getS(attrStatus),
		Total: it.getInt("total"), Processed: it.getInt("processed"), Created: it.getInt("created"),
		Invited: it.getInt("invited"), Skipped: it.getInt("skipped"), Refused: it.getInt("refused"),
		CreatedBy: it.getS("createdBy"), CreatedAt: it.getTime(attrCreated), UpdatedAt: it.getTime(attrUpdated),
		FinishedAt: it.getTimePtr("finishedAt"),
	}
}

// CreateImport stores a new import job, with its audit event.
func (s *Store) CreateImport(ctx context.Context, j *gatehouse.ImportJob, ev gatehouse.AuditEvent) error {
	t := s.tx().create(importItem(j), gatehouse.Errorf(gatehouse.CodeConflict, "import id collision; retry"))
	t.audit(ev)
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("create import %s: %w", j.ID, err)
	}
	return nil
}

// ImportProgress writes a running job's counters (one UpdateItem), for
// clients polling it.
func (s *Store) ImportProgress(ctx context.Context, j *gatehouse.ImportJob) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        aws.String(s.table),
		Key:              keyAV(importKey(j.OrgID, j.ID)),
		UpdateExpression: aws.String("SET #p = :p, #c = :c, #i = :i, #s = :s, #r = :r, #u = :u"),
		// Never after the job ended (a late tick must not undo the end).
		ConditionExpression: aws.String("#st = :running"),
		ExpressionAttributeNames: map[string]string{"#p": "processed", "#c": "created", "#i": "invited",
			"#s": "skipped", "#r": "refused", "#u": attrUpdated, "#st": attrStatus},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": num(int64(j.Processed)), ":c": num(int64(j.Created)), ":i": num(int64(j.Invited)),
			":s": num(int64(j.Skipped)), ":r": num(int64(j.Refused)),
			":u": str(s.Now().Format(time.RFC3339Nano)), ":running": str(gatehouse.ImportRunning)},
	})
	if err != nil && !IsConditionFailed(err) {
		return fmt.Errorf("import %s progress: %w", j.ID, err)
	}
	return nil
}

// FinishImport writes a job's results (in chunks), then its final state
// with its audit event in one transaction.
func (s *Store) FinishImport(ctx context.Context, j *gatehouse.ImportJob, ev gatehouse.AuditEvent) error {
	for start, chunk := 0, 0; start < len(j.Results); start, chunk = start+ImportResultsPerChunk, chunk+1 {
		part := j.Results[start:min(start+ImportResultsPerChunk, len(j.Results))]
		it := newItem(importResultsKey(j.OrgID, j.ID, chunk)).
			setS(attrKind, kindImportResults).
			setJSON("results", part).
			setN(tabledef.TTLAttribute, j.CreatedAt.Add(importRetention).Unix())
		if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it}); err != nil {
			return fmt.Errorf("import %s results: %w", j.ID, err)
		}
	}
	t := s.tx().put(importItem(j), "attribute_exists(#pk)", gatehouse.NotFound("import"), map[string]string{"#pk": tabledef.PK}, nil)
	t.audit(ev)
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("finish import %s: %w", j.ID, err)
	}
	return nil
}

// Import reads a job, with its results once it has ended.
func (s *Store) Import(ctx context.Context, orgID, importID string) (*gatehouse.ImportJob, error) {
	it, err := s.get(ctx, importKey(orgID, importID), true, "import")
	if err != nil {
		return nil, err
	}
	j := decodeImport(it)
	if j.Status == gatehouse.ImportRunning {
		return j, nil
	}
	// At most 1,000 rows: ten chunk items, one or two query pages.
	items, err := s.queryAll(ctx, queryRange(importResultsRange(orgID, importID)), 0)
	if err != nil {
		return nil, fmt.Errorf("import %s results: %w", importID, err)
	}
	for _, it := range items {
		var part []gatehouse.ImportRowResult
		it.getJSON("results", &part)
		j.Results = append(j.Results, part...)
	}
	return j, nil
}

// ImportsPage lists an org's import jobs (without their results).
func (s *Store) ImportsPage(ctx context.Context, orgID string, limit int, cursor string) ([]*gatehouse.ImportJob, string, error) {
	items, next, err := s.page(ctx, list{name: listImports, org: orgID, rng: importsRange(orgID)}, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]*gatehouse.ImportJob, len(items))
	for i, it := range items {
		out[i] = decodeImport(it)
	}
	return out, next, nil
}

// PendingInviteOf reports whether an email has a live (pending, unexpired)
// invite in an org: its marker item (invites.go).
func (s *Store) PendingInviteOf(ctx context.Context, orgID, email string) (bool, error) {
	it, err := s.find(ctx, inviteEmailKey(orgID, email), true)
	if err != nil || it == nil {
		return false, err
	}
	return it.getS(attrStatus) == string(gatehouse.StatusPending) && it.getTime(attrExpires).After(s.Now()), nil
}
