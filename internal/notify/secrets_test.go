package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/notify"
	"rapport/internal/postgres"
	"rapport/internal/secrets"
	"rapport/internal/testdb"
)

// Addresses stored in plain text (before sealing) or under an old key are
// re-sealed with the current key; the old key opens them until then, and
// deliveries work throughout.
func TestRotationResealsAddressesAndOldKeysOpenThemUntilThen(t *testing.T) {
	ctx := context.Background()
	// A database of its own: ResealWebhooks works on every stored webhook.
	pool := openPool(t, testdb.NewDatabase(t))
	w := newWorld(t, pool)
	r := newReceiver(t, 0)
	oldKey, newKey := secrets.GenerateKey(), secrets.GenerateKey()
	before := mustKeyring(oldKey)
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), before, loopbackGuard, w.org, w.platform, w.author, r.url()))
	// Sales' row predates sealing: its address is in plain text.
	_, err := pool.Exec(ctx, `INSERT INTO team_webhooks (org_id, team_id, url) VALUES ($1, $2, $3)`,
		w.org, w.sales, r.url())
	must(t, err)

	// The new key is current and the old one still opens: a delivery before
	// rotating works.
	during := mustKeyring(newKey, oldKey)
	n := runNotifier(t, pool, r, notify.Options{Keys: during})
	first := postKudo(t, pool, n, w, "org", w.alice, w.carol)
	waitFor(t, "both deliveries", func() bool {
		return len(deliveryRows(t, pool, "kudo_id = $1 AND status = 'delivered'", first)) == 2
	})
	stop(t, n)

	res, err := notify.ResealWebhooks(ctx, postgres.NewNotifyStore(pool), during)
	must(t, err)
	if res != (notify.ResealResult{Sealed: 1, Rotated: 1}) {
		t.Errorf("ResealWebhooks = %+v, want 1 sealed from plain text and 1 rotated", res)
	}
	for _, team := range []int64{w.platform, w.sales} {
		assertSealed(t, pool, team, "SECRETTOKEN")
		var keyID string
		must(t, pool.QueryRow(ctx, "SELECT url_key_id FROM team_webhooks WHERE team_id = $1", team).Scan(&keyID))
		if keyID != during.CurrentID() {
			t.Errorf("team %d under key %s after rotating, want %s", team, keyID, during.CurrentID())
		}
	}
	hooks, err := notify.Webhooks(ctx, postgres.NewNotifyStore(pool), w.org)
	must(t, err)
	if host := strings.TrimPrefix(r.srv.URL, "https://"); len(hooks) != 2 || hooks[1].MaskedURL != "https://"+host+"/…" {
		t.Errorf("after sealing, Webhooks = %+v; want Sales shown as its host", hooks)
	}
	if res, err := notify.ResealWebhooks(ctx, postgres.NewNotifyStore(pool), during); err != nil || res != (notify.ResealResult{}) {
		t.Errorf("a second ResealWebhooks = %+v, %v; want nothing to do", res, err)
	}

	// The old key can go: the new one alone delivers.
	after := mustKeyring(newKey)
	n2 := runNotifier(t, pool, r, notify.Options{Keys: after})
	second := postKudo(t, pool, n2, w, "org", w.alice, w.carol)
	waitFor(t, "both deliveries after rotating", func() bool {
		return len(deliveryRows(t, pool, "kudo_id = $1 AND status = 'delivered'", second)) == 2
	})
	stop(t, n2)

	// A keyring without the sealing key reports the rows, leaves them, and a
	// delivery says the stored address is unreadable rather than posting.
	stranger := mustKeyring(secrets.GenerateKey())
	if res, err := notify.ResealWebhooks(ctx, postgres.NewNotifyStore(pool), stranger); err != nil || res != (notify.ResealResult{Unreadable: 2}) {
		t.Errorf("ResealWebhooks with an unknown key = %+v, %v; want 2 unreadable", res, err)
	}
	requests, _ := r.counts()
	n3, _ := startNotifier(t, pool, r, notify.Options{Keys: stranger, MaxAttempts: 1})
	third := postKudo(t, pool, n3, w, "org", w.alice)
	waitFor(t, "the failed delivery", func() bool {
		rows := deliveryRows(t, pool, "kudo_id = $1", third)
		return len(rows) == 1 && rows[0].status == notify.StatusFailed
	})
	if rows := deliveryRows(t, pool, "kudo_id = $1", third); rows[0].lastError != "stored address unreadable: check the secret key" {
		t.Errorf("last error %q", rows[0].lastError)
	}
	if now, _ := r.counts(); now != requests {
		t.Errorf("the receiver got %d requests for an unreadable address", now-requests)
	}
}

// runNotifier starts a Notifier the test stops itself (stop), so that the
// next one is the only one working jobs.
func runNotifier(t *testing.T, pool *pgxpool.Pool, r *receiver, opts notify.Options) *notify.Notifier {
	t.Helper()
	n, _ := newNotifier(t, pool, r, opts)
	must(t, n.Start(context.Background()))
	return n
}

func stop(t *testing.T, n *notify.Notifier) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	must(t, n.Stop(ctx))
}
