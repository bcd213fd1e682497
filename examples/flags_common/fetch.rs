//! One request and how it can end, as `flags2` and `flags3` share them: `get_flag`, the
//! errors it returns (`GetError`), and what each `download_one` hands back to the driver
//! in `concurrent.rs` (an `Outcome`, or a `FetchError` for a failure), which
//! `fetch_failed` and `flag_saved` decide.
//!
//! `flags3`'s second request (`get_country`) lives in `flags3.rs` and ends in the same
//! `GetError`, built by the same `refusal`.

use std::fmt;

use flagsite::common::Status;
use oneloop::http::{self, Client};
use oneloop::sync::AcquireError;

/// Why `get_flag` (or `flags3`'s `get_country`) brought nothing.
pub enum GetError {
    /// 404: the site has no flag for this code.
    NotFound,
    /// Any other status.
    Status(u16, String),
    /// `metadata.json` has no `"country"` string (`flags3` only).
    NoCountry,
    /// The task was cancelled while it waited for a permit.
    Cancelled,
    /// No answer: connection refused or dropped, timeout, malformed response, or the
    /// task was cancelled (`is_cancelled()`).
    Http(http::Error),
}

impl From<http::Error> for GetError {
    fn from(e: http::Error) -> GetError {
        GetError::Http(e)
    }
}

/// `acquire` on the run's semaphore fails only when the task is cancelled while it waits:
/// the semaphore is never closed.
impl From<AcquireError> for GetError {
    fn from(_: AcquireError) -> GetError {
        GetError::Cancelled
    }
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetError::NotFound => f.write_str("404 Not Found"),
            GetError::Status(status, reason) if reason.is_empty() => write!(f, "{status}"),
            GetError::Status(status, reason) => write!(f, "{status} {reason}"),
            GetError::Http(e) => write!(f, "{e}"),
            GetError::NoCountry => f.write_str("metadata.json has no \"country\""),
            GetError::Cancelled => f.write_str("cancelled"),
        }
    }
}

/// The book's `FetchError`: a failed download, and the code it was for.
pub struct FetchError {
    pub country_code: String,
    pub cause: String,
}

/// The book's `Result` named tuple: how one code ended.
pub struct Outcome {
    pub status: Status,
    pub cc: String,
}

/// The error for an answer other than 200. Its body (a short message) is read first, so
/// that the connection goes back to the client's pool: an unread body can only be
/// skipped by closing the connection.
pub async fn refusal(resp: http::ClientResponse, status: u16) -> GetError {
    let reason = resp.reason().trim().to_string();
    let _ = resp.bytes().await;
    if status == 404 {
        GetError::NotFound
    } else {
        GetError::Status(status, reason)
    }
}

/// The flag of `cc` (`{base_url}/{cc}/{cc}.gif`, the code in lower case): its bytes, or
/// why there are none.
pub async fn get_flag(client: &Client, base_url: &str, cc: &str) -> Result<Vec<u8>, GetError> {
    let url = format!("{base_url}/{cc}/{cc}.gif", cc = cc.to_lowercase());
    let resp = client.get(&url).await?;
    match resp.status() {
        200 => Ok(resp.bytes().await?),
        status => Err(refusal(resp, status).await),
    }
}

/// How a download ends when its request brought nothing: a 404 is a flag not found
/// (said as `{cc} not found` when `verbose`), a cancelled task is cancelled, and anything
/// else is a `FetchError`, which the driver reports and counts.
pub fn fetch_failed(cc: String, error: GetError, verbose: bool) -> Result<Outcome, FetchError> {
    let status = match error {
        GetError::NotFound => Status::NotFound,
        GetError::Cancelled => Status::Cancelled,
        GetError::Http(e) if e.is_cancelled() => Status::Cancelled,
        e => {
            return Err(FetchError {
                country_code: cc,
                cause: e.to_string(),
            })
        }
    };
    if verbose && status == Status::NotFound {
        println!("{cc} not found");
    }
    Ok(Outcome { status, cc })
}

/// How a download ends once its flag is saved (`saved` is `Ok`; said as `{cc} OK` when
/// `verbose`) or could not be (`saved` is `Err` with the cause: a `FetchError`).
pub fn flag_saved(
    cc: String,
    saved: Result<(), String>,
    verbose: bool,
) -> Result<Outcome, FetchError> {
    if let Err(cause) = saved {
        return Err(FetchError {
            country_code: cc,
            cause,
        });
    }
    if verbose {
        println!("{cc} OK");
    }
    Ok(Outcome {
        status: Status::Ok,
        cc,
    })
}
