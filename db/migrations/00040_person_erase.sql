-- +goose Up
-- Erasing a person (docs/privacy.md, "Erasing a person"): one function, run
-- in the caller's transaction, so the rule is written once and an erasure
-- is all or nothing. The person's row stays, under a pseudonym, because
-- 1:1s, meetings, actions, reviews and the audit log of others refer to it;
-- what is theirs alone is deleted, and their name, email and @handle are
-- replaced by the pseudonym wherever others wrote them as free text.

-- erase_text replaces every term in t, case ignored, by pseudonym. Terms are
-- matched literally: each character that is not a letter, digit or space is
-- escaped, and a backslash before such a character is always literal.
-- +goose StatementBegin
CREATE FUNCTION erase_text(t text, terms text[], pseudonym text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    term text;
BEGIN
    IF t IS NULL THEN
        RETURN NULL;
    END IF;
    FOREACH term IN ARRAY terms LOOP
        IF term <> '' THEN
            t := regexp_replace(t, regexp_replace(term, '([^[:alnum:] ])', '\\\1', 'g'), pseudonym, 'gi');
        END IF;
    END LOOP;
    RETURN t;
END $$;
-- +goose StatementEnd

-- erase_jsonb does the same inside a JSON document's strings: terms are
-- replaced as they appear JSON-escaped, so the result is still JSON.
-- +goose StatementBegin
CREATE FUNCTION erase_jsonb(j jsonb, terms text[], pseudonym text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT erase_text(j::text,
                      ARRAY(SELECT substr(to_jsonb(x)::text, 2, length(to_jsonb(x)::text) - 2) FROM unnest(terms) x),
                      pseudonym)::jsonb
$$;
-- +goose StatementEnd

-- person_erase erases one person of an organisation and returns their
-- pseudonym. The organisation's break-glass admin cannot be erased (raised
-- as SQLSTATE RA001 with a message for the admin).
-- +goose StatementBegin
CREATE FUNCTION person_erase(p_org bigint, p_id bigint) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    u         users%ROWTYPE;
    pseudonym text;
    terms     text[];
    likes     text[];
    json_likes text[];
    handle    text;
BEGIN
    SELECT * INTO u FROM users WHERE org_id = p_org AND id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'person % not found', p_id USING ERRCODE = 'P0002';
    END IF;
    IF EXISTS (SELECT 1 FROM org_sso WHERE org_id = p_org AND break_glass_id = p_id) THEN
        RAISE EXCEPTION '% is the break-glass admin of single sign-on: choose another one first.', u.name
            USING ERRCODE = 'RA001';
    END IF;
    pseudonym := 'Erased person #' || upper(substr(md5(random()::text || p_id::text), 1, 6));
    handle := lower(split_part(u.email::text, '@', 1));
    -- The longest first, so the email goes before the handle inside it.
    terms := ARRAY[u.email::text, u.name, '@' || handle];
    -- Rows are found by a plain substring test, far cheaper than the
    -- regular expression that then rewrites the few that match.
    likes := ARRAY(SELECT '%' || like_escape(lower(t)) || '%' FROM unnest(terms) t);
    json_likes := ARRAY(SELECT '%' || like_escape(lower(substr(to_jsonb(t)::text, 2, length(to_jsonb(t)::text) - 2))) || '%'
                        FROM unnest(terms) t);

    -- Their account: signed out, no way back in.
    DELETE FROM sessions WHERE token IN (SELECT token FROM session_users WHERE user_id = p_id);
    DELETE FROM session_users WHERE user_id = p_id;
    DELETE FROM personal_tokens WHERE org_id = p_org AND user_id = p_id;
    DELETE FROM password_resets WHERE org_id = p_org AND user_id = p_id;
    DELETE FROM invitations WHERE org_id = p_org AND user_id = p_id;
    DELETE FROM calendar_feeds WHERE user_id = p_id;
    DELETE FROM sso_identities WHERE org_id = p_org AND user_id = p_id;
    DELETE FROM scim_users WHERE org_id = p_org AND user_id = p_id;
    DELETE FROM mail_opt_outs WHERE user_id = p_id;
    DELETE FROM rate_limits WHERE key ILIKE '%' || u.email::text || '%';
    DELETE FROM outbox WHERE user_id = p_id OR to_addr ILIKE u.email::text;
    DELETE FROM notifications WHERE user_id = p_id;
    DELETE FROM review_notices WHERE org_id = p_org AND user_id = p_id;
    DELETE FROM team_members WHERE org_id = p_org AND user_id = p_id;
    DELETE FROM retro_facilitators WHERE org_id = p_org AND user_id = p_id;
    DELETE FROM health_responders WHERE user_id = p_id;
    DELETE FROM pulse_responders WHERE user_id = p_id;

    -- What they wrote for themselves or said in 1:1s and kudos.
    DELETE FROM private_notes WHERE org_id = p_org AND author_id = p_id;
    DELETE FROM agenda_items WHERE org_id = p_org AND author_id = p_id;
    DELETE FROM agenda_templates WHERE org_id = p_org AND owner_id = p_id;
    DELETE FROM kudo_comments WHERE org_id = p_org AND author_id = p_id;
    DELETE FROM kudo_reactions WHERE org_id = p_org AND user_id = p_id;
    -- Kudos they gave, and kudos they received: a kudo is about its
    -- recipients, so one of theirs alone goes; with others it stays for
    -- them, without this person (the tally triggers follow both).
    DELETE FROM kudos WHERE org_id = p_org AND author_id = p_id;
    DELETE FROM kudos k WHERE k.org_id = p_org
       AND EXISTS (SELECT 1 FROM kudo_recipients r WHERE r.kudo_id = k.id AND r.user_id = p_id)
       AND NOT EXISTS (SELECT 1 FROM kudo_recipients r WHERE r.kudo_id = k.id AND r.user_id <> p_id);
    DELETE FROM kudo_recipients WHERE org_id = p_org AND user_id = p_id;
    -- Observations about them, and their reviews not finalised yet.
    DELETE FROM observations WHERE org_id = p_org AND subject_id = p_id;
    DELETE FROM review_participants WHERE org_id = p_org AND person_id = p_id AND finalised_at IS NULL;

    -- Their name where others wrote it.
    UPDATE meetings SET shared_notes = erase_text(shared_notes, terms, pseudonym)
     WHERE org_id = p_org AND lower(shared_notes) LIKE ANY (likes);
    UPDATE meetings SET pulse_word = erase_text(pulse_word, terms, pseudonym)
     WHERE org_id = p_org AND lower(pulse_word) LIKE ANY (likes);
    UPDATE agenda_items SET body = erase_text(body, terms, pseudonym)
     WHERE org_id = p_org AND lower(body) LIKE ANY (likes);
    UPDATE agenda_templates SET items = ARRAY(SELECT erase_text(i, terms, pseudonym) FROM unnest(items) i)
     WHERE org_id = p_org AND lower(array_to_string(items, E'\n')) LIKE ANY (likes);
    UPDATE private_notes SET body = erase_text(body, terms, pseudonym)
     WHERE org_id = p_org AND lower(body) LIKE ANY (likes);
    UPDATE action_items SET body = erase_text(body, terms, pseudonym)
     WHERE org_id = p_org AND lower(body) LIKE ANY (likes);
    UPDATE observations SET note = erase_text(note, terms, pseudonym)
     WHERE org_id = p_org AND lower(note) LIKE ANY (likes);
    UPDATE kudos SET did = erase_text(did, terms, pseudonym), impact = erase_text(impact, terms, pseudonym)
     WHERE org_id = p_org AND lower(concat_ws(E'\n', did, impact)) LIKE ANY (likes);
    UPDATE kudo_comments SET body = erase_text(body, terms, pseudonym)
     WHERE org_id = p_org AND lower(body) LIKE ANY (likes);
    UPDATE retro_cards SET body = erase_text(body, terms, pseudonym)
     WHERE org_id = p_org AND lower(body) LIKE ANY (likes);
    UPDATE retro_notes SET body = erase_text(body, terms, pseudonym)
     WHERE org_id = p_org AND lower(body) LIKE ANY (likes);
    UPDATE retro_groups SET name = erase_text(name, terms, pseudonym)
     WHERE org_id = p_org AND lower(name) LIKE ANY (likes);
    UPDATE retro_actions SET body = erase_text(body, terms, pseudonym)
     WHERE org_id = p_org AND lower(body) LIKE ANY (likes);
    UPDATE review_participants SET summary = erase_text(summary, terms, pseudonym),
                                   ack_comment = erase_text(ack_comment, terms, pseudonym)
     WHERE org_id = p_org AND lower(concat_ws(E'\n', summary, ack_comment)) LIKE ANY (likes);
    UPDATE review_ratings SET self_comment = erase_text(self_comment, terms, pseudonym),
                              manager_comment = erase_text(manager_comment, terms, pseudonym)
     WHERE org_id = p_org AND lower(concat_ws(E'\n', self_comment, manager_comment)) LIKE ANY (likes);
    UPDATE health_responses SET comment = erase_text(comment, terms, pseudonym)
     WHERE org_id = p_org AND lower(comment) LIKE ANY (likes);
    UPDATE pulse_responses SET comment = erase_text(comment, terms, pseudonym)
     WHERE org_id = p_org AND lower(comment) LIKE ANY (likes);
    UPDATE outbox SET to_name = erase_text(to_name, terms, pseudonym),
                      subject = erase_text(subject, terms, pseudonym),
                      text_body = erase_text(text_body, terms, pseudonym),
                      html_body = erase_text(html_body, terms, pseudonym),
                      private = ARRAY(SELECT erase_text(x, terms, pseudonym) FROM unnest(private) x)
     WHERE org_id = p_org
       AND lower(concat_ws(E'\n', to_name, subject, text_body, html_body, array_to_string(private, E'\n'))) LIKE ANY (likes);
    UPDATE audit_log SET subject = erase_text(subject, terms, pseudonym),
                         detail = erase_jsonb(detail, terms, pseudonym)
     WHERE org_id = p_org AND lower(concat_ws(E'\n', subject, detail::text)) LIKE ANY (likes || json_likes);
    UPDATE notifications SET title = erase_text(title, terms, pseudonym)
     WHERE org_id = p_org AND lower(title) LIKE ANY (likes);
    -- Live events are a few days' replay buffer: those naming them go.
    DELETE FROM live_events WHERE lower(data::text) LIKE ANY (likes || json_likes);

    UPDATE users SET name = pseudonym,
                     email = 'erased-' || id || '@erased.invalid',
                     title = '',
                     password_hash = '',
                     active = false,
                     deactivated_at = coalesce(deactivated_at, now()),
                     updated_at = now()
     WHERE org_id = p_org AND id = p_id;
    RETURN pseudonym;
END $$;
-- +goose StatementEnd

-- like_escape makes t match literally inside a LIKE pattern.
-- +goose StatementBegin
CREATE FUNCTION like_escape(t text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(replace(replace(t, '\', '\\'), '%', '\%'), '_', '\_')
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION person_erase(bigint, bigint);
DROP FUNCTION like_escape(text);
DROP FUNCTION erase_jsonb(jsonb, text[], text);
DROP FUNCTION erase_text(text, text[], text);
