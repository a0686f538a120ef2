package localstack

import "syscall"

// childProcAttr puts the child in its own process group (so that stopping
// it ends everything it started) and has the kernel send it SIGTERM if we
// die without cleaning up, so no orphan node process outlives the stack.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
