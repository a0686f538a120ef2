// Command gatehouse-local runs Gatehouse on this machine with no AWS
// account (make run): the HTTP API on http://127.0.0.1:8080, DynamoDB in
// process (minidyn), Cognito from cognito-local, the real authorizer,
// functions and triggers. It writes .local/stack.json and stops everything
// on Ctrl-C.
//
// Each run starts fresh: new pool, client, table and platform admin.
// Environment variables point it elsewhere: GATEHOUSE_DYNAMODB_ENDPOINT (a
// DynamoDB Local URL, or "aws"), GATEHOUSE_USER_POOL_ID + GATEHOUSE_CLIENT_ID
// (+ GATEHOUSE_COGNITO_ENDPOINT) for an existing pool, GATEHOUSE_API_ADDR,
// GATEHOUSE_DATA_DIR, GATEHOUSE_ADMIN_EMAIL, GATEHOUSE_ADMIN_PASSWORD,
// GATEHOUSE_SWEEP_INTERVAL; see localstack.OptionsFromEnv.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gatehouse-dev/gatehouse/localstack"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse-local:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts, err := localstack.OptionsFromEnv()
	if err != nil {
		return err
	}
	st, err := localstack.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprint(os.Stderr, st.Banner())

	<-ctx.Done()
	stop() // a second Ctrl-C kills at once
	fmt.Fprintln(os.Stderr, "\nstopping...")
	return nil
}
