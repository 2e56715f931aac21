package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// errNotPublic is a kudo that was deleted or is not visible to everyone.
var errNotPublic = errors.New("kudo deleted or not public")

// kudoView is what a kudo message shows.
type kudoView struct {
	ID           int64
	AuthorName   string
	Did, Impact  string
	Recipients   []string
	Competencies []string
}

// loadKudo reads a public kudo for its message; anything else is errNotPublic.
func loadKudo(ctx context.Context, st Store, orgID, kudoID int64) (kudoView, error) {
	k := kudoView{ID: kudoID}
	c, err := st.FindKudoContent(ctx, orgID, kudoID)
	if errors.Is(err, pgx.ErrNoRows) {
		return k, errNotPublic
	}
	if err != nil {
		return k, fmt.Errorf("load kudo: %w", err)
	}
	if c.Visibility != "org" {
		return k, errNotPublic
	}
	k.AuthorName, k.Did, k.Impact, k.Recipients, k.Competencies = c.AuthorName, c.Did, c.Impact, c.Recipients, c.Competencies
	return k, nil
}

// slackMessage is a Slack-compatible incoming-webhook body. Other receivers
// (Mattermost, Rocket.Chat, Teams workflows) read "text".
type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks,omitempty"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Each part of a kudo may hold 2,000 characters; a Slack section holds 3,000.
const maxPartInMessage = 1200

// kudoMessage is "*Author* → Recipients: did — impact" with a link to the kudo.
func kudoMessage(k kudoView, baseURL string) slackMessage {
	line := fmt.Sprintf("*%s* → %s: %s",
		slackEscape(k.AuthorName), slackEscape(strings.Join(k.Recipients, ", ")),
		slackEscape(truncate(k.Did, maxPartInMessage)))
	if k.Impact != "" { // a kudo from a retro card may not say it yet
		line += " — " + slackEscape(truncate(k.Impact, maxPartInMessage))
	}
	text := line
	if baseURL != "" {
		link := strings.TrimRight(baseURL, "/") + "/kudos/" + strconv.FormatInt(k.ID, 10)
		text += "\n<" + link + "|View the kudo in Rapport>"
	}
	msg := slackMessage{
		Text:   text,
		Blocks: []slackBlock{{Type: "section", Text: &slackText{Type: "mrkdwn", Text: text}}},
	}
	if len(k.Competencies) > 0 {
		msg.Blocks = append(msg.Blocks, slackBlock{Type: "context", Elements: []slackText{
			{Type: "mrkdwn", Text: slackEscape(strings.Join(k.Competencies, " · "))},
		}})
	}
	return msg
}

// slackEscape escapes the three characters Slack's mrkdwn reserves, so text
// people wrote cannot form links or mentions such as <!channel>.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
