-- +goose Up
-- The competency framework's seed content. The reviews feature extends this
-- table (versions, organisation-specific edits); observations point at it.
CREATE TABLE competencies (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         text NOT NULL UNIQUE,
    grp         text NOT NULL,
    name        text NOT NULL,
    behaviour   text NOT NULL,
    result      text NOT NULL,
    leader_check text NOT NULL DEFAULT '',
    micro_action text NOT NULL DEFAULT '',
    position    int NOT NULL
);

INSERT INTO competencies (key, grp, name, behaviour, result, leader_check, micro_action, position) VALUES
 ('rapport', 'leader', 'Rapport', 'Opens with brief personal check-ins and remembers what matters to people', 'Less social friction, easier hard conversations', 'How often 1:1 notes show personal check-ins', 'Ask one question about the person before the work', 1),
 ('contact-maintenance', 'leader', 'Contact maintenance', 'Keeps regular check-ins that are not tied to a task or an agenda', 'A steady baseline of trust', 'Look at the pattern of 1:1s kept, moved and cancelled', 'Book a recurring short check-in and protect it', 2),
 ('ethical-networking', 'leader', 'Ethical networking', 'Asks permission before making or using an introduction', 'Credibility stays intact', 'Consent and a clear purpose for each introduction', 'Ask "may I introduce you?" before you do', 3),
 ('partnerships', 'leader', 'Partnerships', 'Maps the roles, incentives and constraints of the people on the other side', 'Ties across teams and companies that last', 'Outcomes both sides reached together', 'Sketch who owns what on the partner''s side', 4),
 ('internal-dynamics', 'leader', 'Internal dynamics', 'Shadows other functions and makes hand-offs explicit', 'Shared knowledge, less friction between teams', 'Cross-team hand-offs and shadowing that happened', 'Spend an hour with a team you hand work to', 5),
 ('strategic-networking', 'leader', 'Strategic networking', 'Uses existing ties to reach decision-makers, within norms and with consent', 'Access to people and opportunities, reputation kept', 'Introductions requested with purpose and respected boundaries', 'Ask a colleague for one introduction, saying why', 6),
 ('trust', 'building-block', 'Trust', 'Is honest, keeps confidences and shares credit', 'Lower friction, faster decisions', 'Credit given to others; confidences kept', 'Send a note crediting a colleague', 7),
 ('listening', 'building-block', 'Listening', 'Reflects back, asks clarifying questions and summarises next steps', 'Fewer errors, clearer plans', 'Next steps confirmed after conversations', 'Confirm next steps in writing after a meeting', 8),
 ('emotional-intelligence', 'building-block', 'Emotional intelligence', 'Reads the moment and adapts tone', 'Dignity preserved, less conflict', 'How tense moments were handled', 'Ask whether now is a good time to talk', 9),
 ('feedback-follow-through', 'building-block', 'Feedback & follow-through', 'Closes loops, shares progress and corrects course early', 'Confidence and reliability', 'Actions done by their due date', 'Send a short progress update unprompted', 10);

CREATE TYPE cadence AS ENUM ('weekly', 'biweekly', 'monthly', 'days');
CREATE TYPE series_status AS ENUM ('active', 'paused', 'ended');
CREATE TYPE meeting_status AS ENUM ('scheduled', 'held', 'cancelled', 'rescheduled', 'missed');

CREATE TABLE oneonone_series (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id           bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    manager_id       bigint NOT NULL,
    report_id        bigint NOT NULL,
    cadence          cadence NOT NULL,
    interval_days    int NOT NULL CHECK (interval_days BETWEEN 1 AND 92),
    weekday          smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_time       time NOT NULL,
    duration_minutes int NOT NULL CHECK (duration_minutes BETWEEN 10 AND 180),
    time_zone        text NOT NULL,
    starts_on        date NOT NULL,
    status           series_status NOT NULL DEFAULT 'active',
    ended_at         timestamptz,
    created_by       bigint,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, id),
    CHECK (manager_id <> report_id),
    FOREIGN KEY (org_id, manager_id) REFERENCES users(org_id, id),
    FOREIGN KEY (org_id, report_id) REFERENCES users(org_id, id)
);
-- One live series per pair.
CREATE UNIQUE INDEX oneonone_series_pair_idx ON oneonone_series (org_id, manager_id, report_id) WHERE status <> 'ended';
CREATE INDEX oneonone_series_report_idx ON oneonone_series (org_id, report_id);

-- Paused stretches, so expected 1:1s leave them out.
CREATE TABLE oneonone_pauses (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint NOT NULL,
    series_id  bigint NOT NULL,
    paused_at  timestamptz NOT NULL,
    resumed_at timestamptz,
    FOREIGN KEY (org_id, series_id) REFERENCES oneonone_series(org_id, id) ON DELETE CASCADE
);
CREATE INDEX oneonone_pauses_series_idx ON oneonone_pauses (series_id);

CREATE TABLE meetings (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id           bigint NOT NULL,
    series_id        bigint NOT NULL,
    scheduled_at     timestamptz NOT NULL,
    duration_minutes int NOT NULL,
    status           meeting_status NOT NULL DEFAULT 'scheduled',
    status_by        bigint,
    status_at        timestamptz,
    pulse            smallint CHECK (pulse BETWEEN 1 AND 5),
    pulse_word       text NOT NULL DEFAULT '' CHECK (length(pulse_word) <= 40),
    balance          smallint CHECK (balance BETWEEN 0 AND 100),
    shared_notes     text NOT NULL DEFAULT '' CHECK (length(shared_notes) <= 20000),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, id),
    UNIQUE (series_id, scheduled_at),
    FOREIGN KEY (org_id, series_id) REFERENCES oneonone_series(org_id, id) ON DELETE CASCADE
);
CREATE INDEX meetings_series_time_idx ON meetings (series_id, scheduled_at DESC) INCLUDE (status, pulse);

CREATE TABLE agenda_items (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id       bigint NOT NULL,
    meeting_id   bigint NOT NULL,
    author_id    bigint NOT NULL,
    body         text NOT NULL CHECK (length(body) BETWEEN 1 AND 500),
    position     int NOT NULL,
    done         boolean NOT NULL DEFAULT false,
    carried      int NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (org_id, meeting_id) REFERENCES meetings(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, author_id) REFERENCES users(org_id, id)
);
CREATE INDEX agenda_items_meeting_idx ON agenda_items (meeting_id, position);

-- Private notes are read only by queries that filter on author_id = the
-- signed-in person; no dashboard or export query touches this table.
CREATE TABLE private_notes (
    org_id     bigint NOT NULL,
    meeting_id bigint NOT NULL,
    author_id  bigint NOT NULL,
    body       text NOT NULL CHECK (length(body) <= 20000),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (meeting_id, author_id),
    FOREIGN KEY (org_id, meeting_id) REFERENCES meetings(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, author_id) REFERENCES users(org_id, id)
);

CREATE TABLE action_items (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      bigint NOT NULL,
    meeting_id  bigint NOT NULL,
    series_id   bigint NOT NULL,
    owner_id    bigint NOT NULL,
    created_by  bigint NOT NULL,
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 500),
    due_on      date NOT NULL,
    done_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (org_id, meeting_id) REFERENCES meetings(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, owner_id) REFERENCES users(org_id, id)
);
CREATE INDEX action_items_series_due_idx ON action_items (series_id, due_on) INCLUDE (done_at);
CREATE INDEX action_items_owner_open_idx ON action_items (org_id, owner_id, due_on) WHERE done_at IS NULL;

CREATE TABLE observations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id        bigint NOT NULL,
    meeting_id    bigint NOT NULL,
    author_id     bigint NOT NULL,
    subject_id    bigint NOT NULL,
    competency_id bigint NOT NULL REFERENCES competencies(id),
    note          text NOT NULL CHECK (length(note) BETWEEN 1 AND 300),
    created_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (org_id, meeting_id) REFERENCES meetings(org_id, id) ON DELETE CASCADE
);
CREATE INDEX observations_subject_idx ON observations (org_id, subject_id, created_at);

CREATE TABLE questions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 300),
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX questions_org_body_idx ON questions (org_id, lower(body));

-- Every organisation starts with the default question bank.
-- +goose StatementBegin
CREATE FUNCTION default_questions() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[
        'What are you optimising for this quarter?',
        'What would make a good week for you?',
        'What skill do you want to grow next?',
        'What is taking more energy than it should right now?',
        'Who outside our team has helped you lately?',
        'Is there anything you need from me that you are not getting?',
        'What did you learn this month that surprised you?',
        'Which conversation have you been putting off?',
        'What should I stop, start or keep doing as your manager?',
        'How are you, really, outside of work?'
    ]
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION seed_questions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO questions (org_id, body) SELECT NEW.id, q FROM unnest(default_questions()) AS q;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER orgs_seed_questions AFTER INSERT ON orgs FOR EACH ROW EXECUTE FUNCTION seed_questions();
INSERT INTO questions (org_id, body) SELECT o.id, q FROM orgs o, unnest(default_questions()) AS q;

-- Private, revocable calendar feed per person (the token is stored hashed).
CREATE TABLE calendar_feeds (
    user_id    bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    org_id     bigint NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE calendar_feeds;
DROP TRIGGER orgs_seed_questions ON orgs;
DROP FUNCTION seed_questions();
DROP FUNCTION default_questions();
DROP TABLE questions;
DROP TABLE observations;
DROP TABLE action_items;
DROP TABLE private_notes;
DROP TABLE agenda_items;
DROP TABLE meetings;
DROP TABLE oneonone_pauses;
DROP TABLE oneonone_series;
DROP TYPE meeting_status;
DROP TYPE series_status;
DROP TYPE cadence;
DROP TABLE competencies;
