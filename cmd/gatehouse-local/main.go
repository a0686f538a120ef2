// Command gatehouse-local runs Gatehouse on this machine with no AWS
// account (make run): the HTTP API on http://127.0.0.1:8080, DynamoDB in
// process (minidyn), Cognito from cognito-local, the real authorizer,
// functions and triggers. It writes .local/stack.json and stops everything
// on Ctrl-C.
//
// Data is kept between runs in the data directory (.local/): the table is
// saved to .local/table.json and restored, cognito-local keeps its pool in
// .local/cognito, with the same pool and client ids; make reset (or
// GATEHOUSE_PERSIST=0) starts fresh. The web console, when built
// (web/dist, or GATEHOUSE_CONSOLE_DIR), is served at {apiUrl}/console.
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
	"path/filepath"
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
	opts.Persist = os.Getenv("GATEHOUSE_PERSIST") != "0"
	opts.ConsoleDir = os.Getenv("GATEHOUSE_CONSOLE_DIR")
	if opts.ConsoleDir == "" {
		if _, err := os.Stat(filepath.Join("web", "dist", "index.html")); err == nil {
			opts.ConsoleDir = filepath.Join("web", "dist")
		}
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
