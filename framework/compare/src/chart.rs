//! The SVG bar chart of a report, drawn with plotters.

use std::path::Path;

use plotters::prelude::*;

use crate::{CompareError, Format, FormatStats, Report};

/// One panel of the chart: a quantity, its title and how to read it from the stats.
struct Panel {
    title: &'static str,
    unit: &'static str,
    value: fn(&FormatStats) -> f64,
}

const PANELS: [Panel; 3] = [
    Panel {
        title: "payload size",
        unit: "bytes per message (log)",
        value: FormatStats::bytes_per_message,
    },
    Panel {
        title: "encode",
        unit: "ns per message (log)",
        value: |stats| stats.encode_nanos,
    },
    Panel {
        title: "decode",
        unit: "ns per message (log)",
        value: |stats| stats.decode_nanos,
    },
];

/// The colour of each format's bars.
fn color(format: Format) -> RGBColor {
    match format {
        Format::Wirewright => RGBColor(31, 119, 180),
        Format::Postcard => RGBColor(214, 39, 40),
        Format::Bitcode => RGBColor(148, 103, 189),
        Format::Wincode => RGBColor(140, 86, 75),
        Format::Bincode => RGBColor(44, 160, 44),
        Format::Json => RGBColor(255, 127, 14),
    }
}

impl Report {
    /// Draws the report as an SVG file at `path`: three panels (payload size, encode
    /// time, decode time), each with one group of bars per dataset and one bar per format,
    /// on a logarithmic scale so that small and large datasets share an axis.
    ///
    /// # Errors
    /// [`CompareError::Chart`] when the file cannot be written.
    ///
    /// ```
    /// use wirewright_compare::{Comparison, Format, FormatStats, Report};
    /// let stats = |format| FormatStats { format, messages: 1, total_bytes: 60, encode_nanos: 30.0, decode_nanos: 50.0 };
    /// let report = Report::from(vec![Comparison {
    ///     dataset: "chat".into(),
    ///     formats: Format::ALL.into_iter().map(stats).collect(),
    /// }]);
    /// let path = std::env::temp_dir().join("wirewright-doc-chart.svg");
    /// report.write_svg(&path)?;
    /// assert!(std::fs::read_to_string(&path).unwrap().starts_with("<svg"));
    /// # Ok::<(), wirewright_compare::CompareError>(())
    /// ```
    pub fn write_svg(&self, path: &Path) -> Result<(), CompareError> {
        self.draw(path).map_err(|message| CompareError::Chart {
            path: path.to_owned(),
            message,
        })
    }

    fn draw(&self, path: &Path) -> Result<(), String> {
        let root = SVGBackend::new(path, (1200, 440)).into_drawing_area();
        root.fill(&WHITE).map_err(|err| err.to_string())?;
        for (area, panel) in root.split_evenly((1, PANELS.len())).iter().zip(&PANELS) {
            self.draw_panel(area, panel)
                .map_err(|err| err.to_string())?;
        }
        root.present().map_err(|err| err.to_string())
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, plotters::coord::Shift>,
        panel: &Panel,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let comparisons = self.comparisons();
        let values = comparisons
            .iter()
            .flat_map(|comparison| &comparison.formats)
            .map(panel.value)
            .filter(|value| value.is_finite() && *value > 0.0);
        let (low, high) = values.fold((f64::INFINITY, 0.0f64), |(low, high), value| {
            (low.min(value), high.max(value))
        });
        let (low, high) = if high > 0.0 {
            (low / 2.0, high * 2.0)
        } else {
            (1.0, 10.0)
        };
        let groups = comparisons.len().max(1);
        let names: Vec<&str> = comparisons.iter().map(|c| c.dataset.as_str()).collect();
        let label = |x: &f64| {
            let index = x.round();
            if (x - index).abs() < 1e-6 && index >= 0.0 {
                names.get(index as usize).copied().unwrap_or("").to_owned()
            } else {
                String::new()
            }
        };

        let mut chart = ChartBuilder::on(area)
            .caption(panel.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5..groups as f64 - 0.5, (low..high).log_scale())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(groups)
            .x_label_formatter(&label)
            .y_label_formatter(&|value| compact(*value))
            .y_desc(panel.unit)
            .draw()?;

        let slot = 0.8 / Format::ALL.len() as f64;
        for (index, format) in Format::ALL.into_iter().enumerate() {
            let style = color(format).filled();
            let bars = comparisons
                .iter()
                .enumerate()
                .filter_map(|(group, comparison)| {
                    let value = (panel.value)(comparison.stats(format)?);
                    let left = group as f64 - 0.4 + index as f64 * slot;
                    Some(Rectangle::new(
                        [(left, low), (left + slot * 0.9, value.max(low))],
                        style,
                    ))
                });
            chart
                .draw_series(bars)?
                .label(format.name())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
    }
}

/// `1500` as `1.5k`, `2000000` as `2M`: axis labels that stay short on a log scale.
fn compact(value: f64) -> String {
    let (scaled, suffix) = match value.abs() {
        v if v >= 1e9 => (value / 1e9, "G"),
        v if v >= 1e6 => (value / 1e6, "M"),
        v if v >= 1e3 => (value / 1e3, "k"),
        _ => (value, ""),
    };
    let text = format!("{scaled:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::compact;

    #[test]
    fn axis_labels_are_short() {
        assert_eq!(compact(100.0), "100");
        assert_eq!(compact(1500.0), "1.5k");
        assert_eq!(compact(2e6), "2M");
        assert_eq!(compact(0.5), "0.5");
    }
}
