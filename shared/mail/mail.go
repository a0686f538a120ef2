// Package mail sends Gatehouse's own emails (invites, activation links)
// through a small interface: Amazon SES v2 in AWS, and a local outbox that
// writes one JSON file per email into a folder for the local stack (which
// serves it at GET /local/outbox) and for tests.
package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
)

// Message is one plain-text email.
type Message struct {
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	Time    time.Time `json:"time"`
}

// Sender delivers emails. Send returns an error when the message was not
// accepted for delivery; callers decide whether that fails their request.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SESAPI is the part of the SES v2 client SES uses.
type SESAPI interface {
	SendEmail(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// SES sends through Amazon SES v2 from a verified address.
type SES struct {
	api  SESAPI
	from string
}

// NewSES returns a sender over an SES v2 client.
func NewSES(api SESAPI, from string) *SES { return &SES{api: api, from: from} }

// Send sends m as a simple text email.
func (s *SES) Send(ctx context.Context, m Message) error {
	if s.from == "" {
		return errors.New("mail: no sender address configured")
	}
	_, err := s.api.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.from),
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(m.Subject), Charset: aws.String("UTF-8")},
			Body:    &types.Body{Text: &types.Content{Data: aws.String(m.Text), Charset: aws.String("UTF-8")}},
		}},
	})
	if err != nil {
		return fmt.Errorf("ses send: %w", err)
	}
	return nil
}

// Outbox writes each email as one JSON file ({to, subject, text, time}) in
// a folder. It is the local stack's mail server.
type Outbox struct {
	dir string
	now func() time.Time
	mu  sync.Mutex
}

// NewOutbox returns an outbox writing into dir (created if missing).
func NewOutbox(dir string) *Outbox { return &Outbox{dir: dir, now: time.Now} }

// Dir is the outbox folder.
func (o *Outbox) Dir() string { return o.dir }

// Send writes m into the outbox.
func (o *Outbox) Send(_ context.Context, m Message) error {
	if m.Time.IsZero() {
		m.Time = o.now().UTC()
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	// Time first so that names sort by time; the id keeps them unique.
	name := m.Time.Format("20060102T150405.000000000Z") + "-" + strings.TrimPrefix(ids.New("mail"), "mail_") + ".json"
	if err := os.WriteFile(filepath.Join(o.dir, name), b, 0o644); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// List reads every email in the outbox, oldest first; an outbox not yet
// created is empty.
func (o *Outbox) List() ([]Message, error) {
	entries, err := os.ReadDir(o.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	out := make([]Message, 0, len(names))
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(o.dir, n))
		if err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		var m Message
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("outbox %s: %w", n, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// ServeHTTP lists the outbox as JSON {items: [...]}, optionally only the
// emails to ?to= (case-insensitive): the local stack's GET /local/outbox.
func (o *Outbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	msgs, err := o.List()
	if err != nil {
		http.Error(w, "outbox unreadable", http.StatusInternalServerError)
		return
	}
	if to := r.URL.Query().Get("to"); to != "" {
		kept := msgs[:0]
		for _, m := range msgs {
			if strings.EqualFold(m.To, to) {
				kept = append(kept, m)
			}
		}
		msgs = kept
	}
	if msgs == nil {
		msgs = []Message{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{"items": msgs})
}

// Discard drops every email (functions that send none).
type Discard struct{}

// Send does nothing.
func (Discard) Send(context.Context, Message) error { return nil }

// Options choose and configure a sender.
type Options struct {
	// OutboxDir, when set, selects the local outbox.
	OutboxDir string
	// From is the SES sender address.
	From string
	// SES is the SES client to use when OutboxDir is empty.
	SES SESAPI
}

// New returns the outbox when a folder is configured, SES when a client and
// a sender address are, and Discard otherwise.
func New(o Options) Sender {
	switch {
	case o.OutboxDir != "":
		return NewOutbox(o.OutboxDir)
	case o.SES != nil && o.From != "":
		return NewSES(o.SES, o.From)
	}
	return Discard{}
}

// FromConfig returns the sender for a function's configuration: the outbox
// when outboxDir is set (local stack), SES (with the function's AWS
// configuration, loaded only then) from the address from when it is set,
// else Discard.
func FromConfig(awsConfig func() (aws.Config, error), from, outboxDir string) (Sender, error) {
	if outboxDir != "" {
		return NewOutbox(outboxDir), nil
	}
	if from == "" {
		return Discard{}, nil
	}
	cfg, err := awsConfig()
	if err != nil {
		return nil, fmt.Errorf("mail: AWS configuration: %w", err)
	}
	return NewSES(&lazySES{cfg: cfg}, from), nil
}

// lazySES builds the SES client on the first email: building it costs
// a good part of a cold start (docs/performance.md), and most requests
// send none.
type lazySES struct {
	cfg    aws.Config
	once   sync.Once
	client *sesv2.Client
}

func (l *lazySES) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, o ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	l.once.Do(func() { l.client = sesv2.NewFromConfig(l.cfg) })
	return l.client.SendEmail(ctx, in, o...)
}
