-- name: RateLimitLock :one
-- The key's counter, created empty if missing, locked until the transaction ends.
INSERT INTO rate_limits AS r (key, window_start, hits, last_hit, blocked_until)
VALUES (@key, @now, 0, @now, @now)
ON CONFLICT (key) DO UPDATE SET key = r.key
RETURNING window_start, hits, last_hit, blocked_until;

-- name: RateLimitSet :exec
UPDATE rate_limits
SET window_start = @window_start, hits = @hits, last_hit = @last_hit, blocked_until = @blocked_until
WHERE key = @key;

-- name: RateLimitClear :exec
DELETE FROM rate_limits WHERE key = @key;

-- name: RateLimitPrune :execrows
DELETE FROM rate_limits WHERE last_hit < @before AND blocked_until < @before;
