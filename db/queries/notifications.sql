-- name: NotificationCreate :exec
-- The same event twice (its key again) notifies once.
INSERT INTO notifications (org_id, user_id, kind, title, path, idem_key, created_at)
VALUES (@org_id, @user_id, @kind, @title, @path, @idem_key, @created_at)
ON CONFLICT (user_id, kind, idem_key) WHERE idem_key <> '' DO NOTHING;

-- name: NotificationList :many
-- A person's latest notifications, newest first.
SELECT id, kind, title, path, created_at, read_at
FROM notifications
WHERE org_id = @org_id AND user_id = @user_id
ORDER BY id DESC
LIMIT @lim;

-- name: NotificationOpen :one
-- Marks one of the person's notifications read (once) and returns where it
-- leads; another person's is no row.
UPDATE notifications SET read_at = coalesce(read_at, @at)
WHERE id = @id AND org_id = @org_id AND user_id = @user_id
RETURNING path;

-- name: NotificationReadAll :exec
UPDATE notifications SET read_at = @at
WHERE org_id = @org_id AND user_id = @user_id AND read_at IS NULL;

-- name: NotificationUnread :one
-- How many of the person's notifications are unread, counted up to 100.
SELECT count(*)::int FROM (
    SELECT 1 FROM notifications
    WHERE org_id = @org_id AND user_id = @user_id AND read_at IS NULL
    LIMIT 100
) n;
