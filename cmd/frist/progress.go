package main

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/retention"
)

// observers fans the engine's reports out to several observers.
type observers []retention.Observer

func (o observers) Processed(dataset, rule string, action retention.Action, n int) {
	for _, x := range o {
		x.Processed(dataset, rule, action, n)
	}
}

func (o observers) BatchFailed(dataset, rule string) {
	for _, x := range o {
		x.BatchFailed(dataset, rule)
	}
}

func (o observers) Unreadable(dataset, rule, column string, n int) {
	for _, x := range o {
		x.Unreadable(dataset, rule, column, n)
	}
}

func (o observers) RecipientTold(dataset, rule, recipient string, outcome notify.Outcome) {
	for _, x := range o {
		x.RecipientTold(dataset, rule, recipient, outcome)
	}
}

func (o observers) SweepDone(s retention.SweepStats) {
	for _, x := range o {
		x.SweepDone(s)
	}
}

// progress shows a sweep's progress on one terminal line, rewritten after
// every batch and cleared when the sweep is done. It is installed only
// when stderr is a terminal, so logs and pipes stay free of it.
type progress struct {
	retention.NopObserver
	w     io.Writer
	mu    sync.Mutex
	total int
}

func (p *progress) Processed(dataset, rule string, _ retention.Action, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total += n
	fmt.Fprintf(p.w, "\r\033[Ksweeping: %s processed (now %s/%s)", plural(p.total, "record"), dataset, rule)
}

func (p *progress) SweepDone(retention.SweepStats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.total > 0 {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
