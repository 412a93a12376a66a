//! How wirewright's binary payloads compare with its peers' on your own messages:
//! postcard, bitcode and wincode (maintained), bincode 2 (a reference row) and serde_json.
//!
//! Give [`compare`] a sample of messages of a type that derives `Message`, serde's traits
//! and the derives of bincode, bitcode and wincode ([`peers::Owned`]); it checks that every
//! format round trips every message, then measures the payload size and the time to
//! encode and decode one message in each [`Format`]. Each format is measured one way:
//! through its codec in [`peers`], the code the Criterion benchmarks of
//! `wirewright-examples` run too. A
//! [`Report`] of several datasets prints as a markdown table and draws as an SVG bar
//! chart:
//!
//! ```
//! use std::time::Duration;
//! use serde::{Deserialize, Serialize};
//! use wirewright_compare::{compare, Budget, Format, Report};
//! use wirewright::Message;
//!
//! #[derive(Message, Serialize, Deserialize, Debug, PartialEq)]
//! #[derive(bincode::Encode, bincode::Decode, bitcode::Encode, bitcode::Decode)]
//! #[derive(wincode::SchemaWrite, wincode::SchemaRead)]
//! #[wire(id = 1)]
//! struct Say { room: String, text: String }
//!
//! let sample: Vec<Say> = (0..20)
//!     .map(|i| Say { room: "lobby".into(), text: format!("message {i}") })
//!     .collect();
//! let budget = Budget::new(Duration::from_millis(2), 2); // the default is 5 × 40 ms
//! let mut report = Report::new();
//! report.push(compare("say", &sample, &budget)?);
//!
//! let say = &report.comparisons()[0];
//! let binary = say.stats(Format::Wirewright).unwrap().bytes_per_message();
//! let json = say.stats(Format::Json).unwrap().bytes_per_message();
//! assert!(binary < json / 2.0);
//! println!("{}", report.to_markdown());
//! report.write_svg(&std::env::temp_dir().join("wirewright-say.svg"))?;
//! # Ok::<(), wirewright_compare::CompareError>(())
//! ```
//!
//! [`end_to_end`] sends the same messages
//! over loopback TCP through the transport's codec, in binary and in JSON frames: bytes
//! on the wire, messages per second, and round-trip latency percentiles. A report shows
//! them in a second table.
//!
//! Times are wall-clock nanoseconds of the fastest of several rounds ([`Budget`]): on a
//! busy machine compare the formats of one run with each other rather than with another
//! run's numbers. For statistically careful numbers, see the Criterion benchmarks of the
//! `wirewright-examples` crate.

mod budget;
mod chart;
mod comparison;
mod end_to_end;
mod error;
mod format;
pub mod peers;
mod report;

pub use budget::Budget;
pub use comparison::{compare, Comparison, FormatStats};
pub use end_to_end::{end_to_end, EndToEnd, EndToEndStats, Workload};
pub use error::CompareError;
pub use format::Format;
pub use report::Report;
