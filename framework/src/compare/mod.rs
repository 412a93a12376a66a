//! How wirewright's binary payloads compare with JSON and bincode on your own messages
//! (feature `compare`).
//!
//! Give [`compare`] a sample of messages of a type that derives `Message` and serde's
//! traits; it checks that every format round trips every message, then measures the
//! payload size and the time to encode and decode one message in each [`Format`]. A
//! [`Report`] of several datasets prints as a markdown table and draws as an SVG bar
//! chart:
//!
//! ```
//! use std::time::Duration;
//! use serde::{Deserialize, Serialize};
//! use wirewright::compare::{compare, Budget, Format, Report};
//! use wirewright::Message;
//!
//! #[derive(Message, Serialize, Deserialize, Debug, PartialEq)]
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
//! # Ok::<(), wirewright::compare::CompareError>(())
//! ```
//!
//! Times are wall-clock nanoseconds of the fastest of several rounds ([`Budget`]): on a
//! busy machine compare the formats of one run with each other rather than with another
//! run's numbers. For statistically careful numbers against more peers, see the Criterion
//! benchmarks of the `wirewright-examples` crate.

mod budget;
mod chart;
mod comparison;
mod error;
mod format;
mod report;

pub use budget::Budget;
pub use comparison::{compare, Comparison, FormatStats};
pub use error::CompareError;
pub use format::Format;
pub use report::Report;
