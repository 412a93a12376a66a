//! The borrowed form of each dataset type, for the benchmarks' borrowed decoding
//! ([`Borrowing`](wirewright_compare::peers::Borrowing)).

use wirewright_compare::peers::Borrowing;

use crate::datasets::blob::Blob;
use crate::datasets::chat::{Chat, ChatRef};
use crate::datasets::ids::Span;
use crate::datasets::labels::{Series, SeriesRef};
use crate::datasets::log::{AccessLog, AccessLogRef};
use crate::datasets::telemetry::Telemetry;

impl Borrowing for Chat {
    type Ref<'a> = ChatRef<'a>;
}

impl Borrowing for AccessLog {
    type Ref<'a> = AccessLogRef<'a>;
}

impl Borrowing for Telemetry {
    type Ref<'a> = Telemetry;
}

impl Borrowing for Span {
    type Ref<'a> = Span;
}

impl Borrowing for Series {
    type Ref<'a> = SeriesRef<'a>;
}

impl Borrowing for Blob {
    type Ref<'a> = Blob;
}
