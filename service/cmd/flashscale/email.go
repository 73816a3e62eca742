package main

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flashscale/flashscale/service/config"
	"github.com/flashscale/flashscale/service/mail"
	"github.com/flashscale/flashscale/service/shop"
)

// startEmail runs the confirmation email sender until ctx ends and returns
// a channel closed once it has stopped (at once when it is off). Without
// FLASHSCALE_SMTP_ADDR it is off: checkouts still write their emails to
// the outbox, and a release with SMTP configured sends them.
func startEmail(ctx context.Context, cfg config.Config, store shop.Store, reg prometheus.Registerer, log *slog.Logger) (<-chan struct{}, error) {
	done := make(chan struct{})
	if !cfg.EmailEnabled() {
		log.Warn("confirmation emails are off (FLASHSCALE_SMTP_ADDR is unset); orders still queue theirs in the outbox")
		close(done)
		return done, nil
	}
	sender, err := mail.New(store, mail.Config{
		Addr: cfg.SMTPAddr, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, From: cfg.SMTPFrom,
		StartTLS: cfg.SMTPTLS == config.SMTPStartTLS, PollInterval: cfg.EmailPollInterval,
		RetryBackoff: cfg.EmailRetryBackoff, StoreTimeout: cfg.StoreTimeout, Timeout: cfg.SMTPTimeout, Lease: cfg.EmailLease,
	}, reg, log)
	if err != nil {
		return nil, err
	}
	go func() {
		defer close(done)
		sender.Run(ctx)
	}()
	return done, nil
}
