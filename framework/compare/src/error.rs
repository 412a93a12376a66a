//! What can go wrong in a comparison.

use std::path::PathBuf;

use crate::format::BoxedError;
use crate::Format;

/// A comparison could not be made or written.
///
/// ```
/// use std::time::Duration;
/// use wirewright_compare::{compare, Budget, CompareError};
/// # #[derive(wirewright::Message, serde::Serialize, serde::Deserialize, bincode::Encode,
/// #     bincode::Decode, bitcode::Encode, bitcode::Decode, wincode::SchemaWrite,
/// #     wincode::SchemaRead, Debug, PartialEq)]
/// # #[wire(id = 1)]
/// # struct Ping;
/// let err = compare::<Ping>("nothing", &[], &Budget::default()).unwrap_err();
/// assert!(matches!(err, CompareError::EmptySample { .. }));
/// assert_eq!(err.to_string(), "dataset nothing has no messages to measure");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompareError {
    /// The sample has no messages.
    #[error("dataset {dataset} has no messages to measure")]
    EmptySample {
        /// The dataset.
        dataset: String,
    },
    /// A format could not encode a message (JSON cannot write a map whose keys are not
    /// strings, for one).
    #[error("{format} cannot encode message {index} of dataset {dataset}: {source}")]
    Encode {
        /// The dataset.
        dataset: String,
        /// The format.
        format: Format,
        /// The message's index in the sample.
        index: usize,
        /// The format library's error.
        #[source]
        source: BoxedError,
    },
    /// A format could not decode what it encoded.
    #[error(
        "{format} cannot decode its own encoding of message {index} of dataset {dataset}: {source}"
    )]
    Decode {
        /// The dataset.
        dataset: String,
        /// The format.
        format: Format,
        /// The message's index in the sample.
        index: usize,
        /// The format library's error.
        #[source]
        source: BoxedError,
    },
    /// A message decoded to a value different from the one encoded (a float that JSON
    /// cannot represent, say).
    #[error("message {index} of dataset {dataset} does not survive a {format} round trip")]
    RoundTrip {
        /// The dataset.
        dataset: String,
        /// The format.
        format: Format,
        /// The message's index in the sample.
        index: usize,
    },
    /// The loopback connection of an end-to-end comparison failed, or an echo differed
    /// from its request.
    #[error("end-to-end run of dataset {dataset} in {format} failed: {source}")]
    EndToEnd {
        /// The dataset.
        dataset: String,
        /// The format being sent.
        format: Format,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The chart could not be drawn or written.
    #[error("cannot write the chart to {}: {message}", path.display())]
    Chart {
        /// Where it was to go.
        path: PathBuf,
        /// plotters' error, as text (its type depends on the drawing backend).
        message: String,
    },
}
