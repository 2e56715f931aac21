package export

import (
	"encoding/csv"
	"io"
)

// flushEvery is how many rows are buffered before they go to the client.
const flushEvery = 500

// CSVWriter writes rows to w as they come, flushing every few hundred rows
// so memory stays flat however long the file.
type CSVWriter struct {
	w    *csv.Writer
	rows int
}

// NewCSV starts a CSV file: a UTF-8 byte order mark (so spreadsheet programs
// read names with accents correctly) and the header row.
func NewCSV(w io.Writer) (*CSVWriter, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	cw := &CSVWriter{w: csv.NewWriter(w)}
	if err := cw.w.Write(Header); err != nil {
		return nil, err
	}
	return cw, nil
}

// WriteRow writes one row.
func (c *CSVWriter) WriteRow(r Row) error {
	if err := c.w.Write(r.Strings()); err != nil {
		return err
	}
	c.rows++
	if c.rows%flushEvery == 0 {
		c.w.Flush()
		return c.w.Error()
	}
	return nil
}

// Rows is how many rows were written.
func (c *CSVWriter) Rows() int { return c.rows }

// Close flushes what is left.
func (c *CSVWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}
