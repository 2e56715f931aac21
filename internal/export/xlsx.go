package export

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// sheetName is the one sheet of an exported workbook.
const sheetName = "Review"

// XLSXWriter writes rows through excelize's stream writer, which keeps a
// large sheet in a temporary file rather than in memory. The workbook is
// copied to w on Close.
type XLSXWriter struct {
	out  io.Writer
	f    *excelize.File
	sw   *excelize.StreamWriter
	rows int
}

// NewXLSX starts a workbook with a bold, frozen header row.
func NewXLSX(w io.Writer) (*XLSXWriter, error) {
	f := excelize.NewFile()
	x := &XLSXWriter{out: w, f: f}
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return nil, x.fail(err)
	}
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		return nil, x.fail(err)
	}
	x.sw = sw
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, x.fail(err)
	}
	widths := []float64{24, 30, 18, 24, 16, 24, 10, 40, 10, 40, 22, 14, 14, 14, 44, 10}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return nil, x.fail(err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, x.fail(err)
	}
	head := make([]any, len(Header))
	for i, h := range Header {
		head[i] = excelize.Cell{Value: h, StyleID: bold}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return nil, x.fail(err)
	}
	return x, nil
}

func (x *XLSXWriter) fail(err error) error {
	x.f.Close()
	return fmt.Errorf("xlsx: %w", err)
}

// WriteRow appends one row; numbers are number cells, empty ratings empty.
func (x *XLSXWriter) WriteRow(r Row) error {
	vs := r.values()
	for i, v := range vs {
		if o, ok := v.(optional); ok {
			if o.ok {
				vs[i] = o.n
			} else {
				vs[i] = nil
			}
		}
	}
	x.rows++
	cell, err := excelize.CoordinatesToCellName(1, x.rows+1)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, vs)
}

// Rows is how many rows were written.
func (x *XLSXWriter) Rows() int { return x.rows }

// Close finishes the sheet, writes the workbook to the output and removes
// the temporary files.
func (x *XLSXWriter) Close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx flush: %w", err)
	}
	if _, err := x.f.WriteTo(x.out); err != nil {
		return fmt.Errorf("xlsx write: %w", err)
	}
	return nil
}
