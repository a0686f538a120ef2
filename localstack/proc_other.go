//go:build unix && !linux

package localstack

import "syscall"

// childProcAttr puts the child in its own process group so that stopping it
// ends everything it started. Only Linux has a parent-death signal.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
