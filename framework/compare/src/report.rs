//! Several comparisons together, as a markdown table.

use std::fmt::Write as _;

use crate::{Comparison, Format, FormatStats};

/// The comparisons of several datasets, to print as a markdown table
/// ([`to_markdown`](Self::to_markdown)) or draw as an SVG bar chart
/// ([`write_svg`](Self::write_svg)).
///
/// ```
/// use wirewright_compare::{Comparison, Format, FormatStats, Report};
///
/// let stats = |format, total_bytes, encode_nanos, decode_nanos| FormatStats {
///     format, messages: 10, total_bytes, encode_nanos, decode_nanos,
/// };
/// let report = Report::from(vec![Comparison {
///     dataset: "chat".into(),
///     formats: vec![
///         stats(Format::Wirewright, 500, 20.0, 40.0),
///         stats(Format::Json, 900, 150.0, 300.0),
///         stats(Format::Bincode, 520, 30.0, 60.0),
///     ],
/// }]);
/// let table = report.to_markdown();
/// assert!(table.contains("| chat | JSON | 90.0 | 1.80× | 150 | 7.50× | 300 | 7.50× |"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    comparisons: Vec<Comparison>,
    end_to_end: Vec<crate::EndToEnd>,
}

impl Report {
    /// An empty report.
    ///
    /// ```
    /// assert!(wirewright_compare::Report::new().comparisons().is_empty());
    /// ```
    pub fn new() -> Self {
        Report::default()
    }

    /// Adds the comparison of one more dataset.
    ///
    /// ```
    /// use wirewright_compare::{Comparison, Report};
    /// let mut report = Report::new();
    /// report.push(Comparison { dataset: "empty".into(), formats: Vec::new() });
    /// assert_eq!(report.comparisons().len(), 1);
    /// ```
    pub fn push(&mut self, comparison: Comparison) {
        self.comparisons.push(comparison);
    }

    /// Adds an end-to-end comparison ([`end_to_end`](crate::end_to_end)), shown in a
    /// table of its own.
    ///
    /// ```
    /// use wirewright_compare::{EndToEnd, Report};
    /// let mut report = Report::new();
    /// report.push_end_to_end(EndToEnd { dataset: "chat".into(), formats: Vec::new() });
    /// assert_eq!(report.end_to_end().len(), 1);
    /// ```
    pub fn push_end_to_end(&mut self, result: crate::EndToEnd) {
        self.end_to_end.push(result);
    }

    /// The end-to-end comparisons, in the order they were added.
    ///
    /// ```
    /// assert!(wirewright_compare::Report::new().end_to_end().is_empty());
    /// ```
    pub fn end_to_end(&self) -> &[crate::EndToEnd] {
        &self.end_to_end
    }

    /// The comparisons, in the order they were added.
    ///
    /// ```
    /// assert_eq!(wirewright_compare::Report::new().comparisons().len(), 0);
    /// ```
    pub fn comparisons(&self) -> &[Comparison] {
        &self.comparisons
    }

    /// A markdown table with one row per dataset and format: bytes per message, and the
    /// nanoseconds to encode and to decode one, each also as a ratio to wirewright's
    /// binary format (below 1 is better than wirewright, above 1 worse). End-to-end
    /// results follow in a second table, when there are any.
    ///
    /// ```
    /// let table = wirewright_compare::Report::new().to_markdown();
    /// assert!(table.starts_with("| dataset | format | bytes/msg |"));
    /// ```
    pub fn to_markdown(&self) -> String {
        let mut out = String::from(
            "| dataset | format | bytes/msg | size vs wirewright | encode ns/msg \
             | encode vs wirewright | decode ns/msg | decode vs wirewright |\n\
             |---|---|--:|--:|--:|--:|--:|--:|\n",
        );
        for comparison in &self.comparisons {
            let baseline = comparison.stats(Format::Wirewright);
            for stats in &comparison.formats {
                let ratio = |value: fn(&FormatStats) -> f64| match baseline {
                    Some(base) => format!("{:.2}×", value(stats) / value(base)),
                    None => "–".to_owned(),
                };
                // Writing to a `String` cannot fail.
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.1} | {} | {} | {} | {} | {} |",
                    comparison.dataset,
                    stats.format,
                    stats.bytes_per_message(),
                    ratio(FormatStats::bytes_per_message),
                    nanos(stats.encode_nanos),
                    ratio(|stats| stats.encode_nanos),
                    nanos(stats.decode_nanos),
                    ratio(|stats| stats.decode_nanos),
                );
            }
        }
        if !self.end_to_end.is_empty() {
            out.push('\n');
            out.push_str(&crate::end_to_end::markdown(&self.end_to_end));
        }
        out
    }
}

impl From<Vec<Comparison>> for Report {
    fn from(comparisons: Vec<Comparison>) -> Self {
        Report {
            comparisons,
            ..Report::default()
        }
    }
}

/// Nanoseconds with one decimal below 100, none above.
fn nanos(value: f64) -> String {
    if value < 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    }
}
