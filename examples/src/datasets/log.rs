//! The log dataset: HTTP access-log records.

use serde::{Deserialize, Serialize};
use wirewright::Message;

use super::Generator;

/// One line of an HTTP server's access log, owning its text.
///
/// ```
/// use wirewright::Encode;
/// use wirewright_examples::datasets::log;
/// let records = log::records(100);
/// let mean = records.iter().map(Encode::encoded_len).sum::<usize>() / records.len();
/// assert!((80..160).contains(&mean), "{mean}");
/// ```
#[derive(
    Message,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::Decode,
    bitcode::Encode,
    bitcode::Decode,
    wincode::SchemaWrite,
    wincode::SchemaRead,
    Debug,
    Clone,
    PartialEq,
)]
#[wire(id = 2)]
pub struct AccessLog {
    /// The client's IPv4 address.
    pub address: [u8; 4],
    /// The authenticated user, or `-`.
    pub user: String,
    /// When, as the log writes it: `10/Oct/2023:13:55:36 +0000`.
    pub time: String,
    /// The request line: `GET /index.html HTTP/1.1`.
    pub request: String,
    /// The client's `User-Agent`.
    pub user_agent: String,
    /// The response status.
    pub status: u16,
    /// The response body's size in bytes.
    pub size: u64,
}

/// [`AccessLog`] borrowing its text from the buffer it was decoded from.
///
/// ```
/// use wirewright::{Decode, Encode};
/// use wirewright_examples::datasets::log::{self, AccessLogRef};
/// let record = &log::records(1)[0];
/// let bytes = record.encode_to_vec();
/// assert_eq!(AccessLogRef::decode(&bytes)?, record.as_ref());
/// # Ok::<(), wirewright::DecodeError>(())
/// ```
#[derive(
    Message,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::BorrowDecode,
    bitcode::Encode,
    bitcode::Decode,
    wincode::SchemaWrite,
    wincode::SchemaRead,
    Debug,
    Clone,
    Copy,
    PartialEq,
)]
#[wire(id = 2)]
pub struct AccessLogRef<'a> {
    /// The client's IPv4 address.
    pub address: [u8; 4],
    /// The authenticated user, or `-`.
    pub user: &'a str,
    /// When, as the log writes it.
    pub time: &'a str,
    /// The request line.
    pub request: &'a str,
    /// The client's `User-Agent`.
    pub user_agent: &'a str,
    /// The response status.
    pub status: u16,
    /// The response body's size in bytes.
    pub size: u64,
}

impl AccessLog {
    /// The borrowed form of this record.
    ///
    /// ```
    /// use wirewright_examples::datasets::log;
    /// let record = &log::records(1)[0];
    /// assert_eq!(record.as_ref().status, record.status);
    /// ```
    pub fn as_ref(&self) -> AccessLogRef<'_> {
        AccessLogRef {
            address: self.address,
            user: &self.user,
            time: &self.time,
            request: &self.request,
            user_agent: &self.user_agent,
            status: self.status,
            size: self.size,
        }
    }
}

const USERS: [&str; 4] = ["-", "-", "alice", "deploy-bot"];
const METHODS: [&str; 4] = ["GET", "GET", "POST", "PUT"];
const PATHS: [&str; 8] = [
    "/",
    "/index.html",
    "/api/v1/orders",
    "/api/v1/orders/8812/items",
    "/static/app.3f9a1c.js",
    "/static/style.css",
    "/login",
    "/favicon.ico",
];
const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
    "curl/8.5.0",
    "Go-http-client/2.0",
];
const STATUSES: [u16; 6] = [200, 200, 200, 304, 404, 500];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `count` access-log records, the same on every call.
///
/// ```
/// use wirewright_examples::datasets::log;
/// assert_eq!(log::records(3), log::records(3));
/// ```
pub fn records(count: usize) -> Vec<AccessLog> {
    let mut generator = Generator::new(0x1095);
    (0..count)
        .map(|_| {
            let address = [
                10,
                generator.below(256) as u8,
                generator.below(256) as u8,
                generator.between(1, 254) as u8,
            ];
            let time = format!(
                "{:02}/{}/2024:{:02}:{:02}:{:02} +0000",
                generator.between(1, 28),
                generator.pick(&MONTHS),
                generator.below(24),
                generator.below(60),
                generator.below(60),
            );
            let request = format!(
                "{} {} HTTP/1.1",
                generator.pick(&METHODS),
                generator.pick(&PATHS)
            );
            let status = *generator.pick(&STATUSES);
            AccessLog {
                address,
                user: generator.pick(&USERS).to_string(),
                time,
                request,
                user_agent: generator.pick(&AGENTS).to_string(),
                status,
                size: if status == 304 {
                    0
                } else {
                    generator.below(200_000)
                },
            }
        })
        .collect()
}
