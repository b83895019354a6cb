//! A task's status and its timestamps, shared by the 2025-11-25 core tasks and the 2026-07-28
//! tasks extension (the two differ in what a status carries, not in the statuses).

use std::time::{SystemTime, UNIX_EPOCH};

/// A task's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Running.
    Working,
    /// Waiting for input from the requestor.
    InputRequired,
    /// Ended with a result.
    Completed,
    /// Ended with an error (core tasks: also an `isError` tool result).
    Failed,
    /// Cancelled.
    Cancelled,
}

impl Status {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Working => "working",
            Self::InputRequired => "input_required",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// `completed`, `failed` or `cancelled`.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

/// `SystemTime` as an RFC 3339 UTC timestamp with milliseconds. By hand: the server has no
/// date crate, and this needs only the civil-from-days conversion (H. Hinnant's algorithm).
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_764_067_800_250);
        assert_eq!(rfc3339(t), "2025-11-25T10:50:00.250Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn terminal_statuses() {
        assert!(!Status::Working.is_terminal() && !Status::InputRequired.is_terminal());
        assert!(Status::Completed.is_terminal() && Status::Failed.is_terminal());
        assert!(Status::Cancelled.is_terminal());
        assert_eq!(Status::InputRequired.as_str(), "input_required");
    }
}
