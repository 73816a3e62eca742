// Package boards defines FlashScale's Grafana dashboards as Go code with
// the Grafana Foundation SDK (github.com/grafana/grafana-foundation-sdk/go,
// pinned: it is pre-1.0). `go run ./dashboards/generate` renders them into
// the committed dashboards/*.json, which infra/ provisions and the tests in
// dashboards/ check against a real Prometheus; a test fails when the files
// and this code disagree by a single byte.
//
// Panels are laid out by the SDK's builder (left to right, wrapping at 24
// columns) from each panel's width and height, so nobody places a gridPos
// by hand; ids and refIds are numbered here in order.
package boards

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// File is one rendered dashboard.
type File struct {
	Name string // <uid>.json
	JSON []byte
}

// All renders every dashboard, in file-name order.
func All() ([]File, error) {
	var out []File
	for _, b := range []*board{cluster(), flashSale(), scaling(), service()} {
		d, err := b.b.Build()
		if err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", b.uid, err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		// PromQL is full of < > & (sums, comparisons): keep them readable.
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", b.uid, err)
		}
		out = append(out, File{Name: b.uid + ".json", JSON: buf.Bytes()})
	}
	return out, nil
}

// The panels' datasource is the dashboard's own variable, so the same JSON
// works whatever the Prometheus datasource is called in a Grafana.
var promDS = common.DataSourceRef{Type: ptr("prometheus"), Uid: ptr("${datasource}")}

// shopper is the label matcher of shopper traffic: probes and scrapes are
// not shoppers, and a draining pod fails /readyz on purpose.
const shopper = `route!~"/metrics|/healthz|/readyz"`

type board struct {
	uid    string
	b      *dashboard.DashboardBuilder
	nextID uint32
}

// newBoard starts a dashboard with the datasource and colour variables
// every FlashScale dashboard has.
func newBoard(uid, title, description string) *board {
	const colors = "label_values(flashscale_build_info, color)"
	b := dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{"flashscale"}).
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Time("now-1h", "now").
		Refresh("30s").
		Timezone("browser").
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").
			Label("Data source").
			Type("prometheus")).
		WithVariable(multiVariable("color", "Colour", colors).
			Description("Deployment colour: blue, green, or both (All) side by side."))
	return &board{uid: uid, b: b}
}

// target is one PromQL query of a panel.
type target struct {
	legend  string
	expr    string
	instant bool
	table   bool
}

// q is a range query drawn with the legend format (Grafana's "__auto" when
// empty).
func q(legend, expr string) target { return target{legend: legend, expr: expr} }

// now is an instant query: a stat or bar gauge of the current value.
func now(legend, expr string) target { return target{legend: legend, expr: expr, instant: true} }

// rows is an instant query shown as a table.
func rows(expr string) target { return target{expr: expr, instant: true, table: true} }

func (b *board) id() uint32 {
	b.nextID++
	return b.nextID
}

func (b *board) targets(ts []target) []cog.Builder[variants.Dataquery] {
	out := make([]cog.Builder[variants.Dataquery], 0, len(ts))
	for i, t := range ts {
		legend := t.legend
		if legend == "" {
			legend = "__auto"
		}
		dq := prometheus.NewDataqueryBuilder().
			RefId(string(rune('A' + i))).
			Datasource(promDS).
			EditorMode(prometheus.QueryEditorModeCode).
			Expr(t.expr).
			LegendFormat(legend)
		if t.instant {
			dq.Instant()
		} else {
			dq.Range()
		}
		if t.table {
			dq.Format(prometheus.PromQueryFormatTable)
		}
		out = append(out, dq)
	}
	return out
}

// row starts a titled section spanning the grid.
func (b *board) row(title string) {
	b.b.WithRow(dashboard.NewRowBuilder(title).Id(b.id()))
}

// panel sizes: the grid is 24 columns wide.
const (
	full    = 24
	half    = 12
	third   = 8
	quarter = 6
)

func (b *board) stat(title, description, unit string, w uint32, ts ...target) {
	b.b.WithPanel(stat.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description(description).
		Datasource(promDS).
		Span(w).Height(4).
		Unit(unit).
		GraphMode(common.BigValueGraphModeArea).
		ColorMode(common.BigValueColorModeValue).
		TextMode(common.BigValueTextModeAuto).
		JustifyMode(common.BigValueJustifyModeAuto).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false)).
		Targets(b.targets(ts)))
}

func (b *board) timeseries(title, description, unit string, w, h uint32, ts ...target) {
	b.b.WithPanel(b.series(title, description, unit, w, h, ts...))
}

// percent is a timeseries of ratios, 0 to 1.
func (b *board) percent(title, description string, w, h uint32, ts ...target) {
	b.b.WithPanel(b.series(title, description, "percentunit", w, h, ts...).Min(0))
}

func (b *board) series(title, description, unit string, w, h uint32, ts ...target) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description(description).
		Datasource(promDS).
		Span(w).Height(h).
		Unit(unit).
		LineWidth(1).
		FillOpacity(10).
		ShowPoints(common.VisibilityModeNever).
		SpanNulls(common.BoolOrFloat64{Bool: ptr(false)}).
		Legend(common.NewVizLegendOptionsBuilder().
			ShowLegend(true).
			DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).
			Calcs([]string{})).
		Tooltip(common.NewVizTooltipOptionsBuilder().
			Mode(common.TooltipDisplayModeMulti).
			Sort(common.SortOrderDescending)).
		Targets(b.targets(ts))
}

func (b *board) table(title, description string, w, h uint32, ts ...target) {
	b.b.WithPanel(table.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description(description).
		Datasource(promDS).
		Span(w).Height(h).
		ShowHeader(true).
		Targets(b.targets(ts)))
}

func (b *board) bars(title, description, unit string, w, h uint32, ts ...target) {
	b.b.WithPanel(bargauge.NewPanelBuilder().
		Id(b.id()).
		Title(title).
		Description(description).
		Datasource(promDS).
		Span(w).Height(h).
		Unit(unit).
		Min(0).
		DisplayMode(common.BarGaugeDisplayModeGradient).
		Orientation(common.VizOrientationHorizontal).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false)).
		Targets(b.targets(ts)))
}

func ptr[T any](v T) *T { return &v }

// sloThresholds mark the checkout SLO's burn-rate thresholds on the bad
// ratio: 3% (6x, ticket) and 7.2% (14.4x, page) of a 0.5% error budget.
func sloThresholds() *dashboard.ThresholdsConfigBuilder {
	return dashboard.NewThresholdsConfigBuilder().
		Mode(dashboard.ThresholdsModeAbsolute).
		Steps([]dashboard.Threshold{
			{Color: "green"},
			{Value: ptr(6 * 0.005), Color: "orange"},
			{Value: ptr(14.4 * 0.005), Color: "red"},
		})
}

func lineThresholds() *common.GraphThresholdsStyleConfigBuilder {
	return common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeLine)
}

// multiVariable is a multi-select over label_values, with All as ".*"
// (not a list, which would miss a value not seen yet) and selected.
func multiVariable(name, label, query string) *dashboard.QueryVariableBuilder {
	return dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Datasource(promDS).
		Query(dashboard.StringOrMap{String: &query}).
		Definition(query).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc).
		Multi(true).
		IncludeAll(true).
		AllValue(".*").
		Current(dashboard.VariableOption{
			Text:  dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
			Value: dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
		})
}
