//! Timestamps: stored as microseconds since the Unix epoch, rendered like Partnero
//! (`2025-05-09T17:42:13.000000Z`).

use time::OffsetDateTime;

/// The current time in UTC.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Microseconds since the epoch.
pub fn to_micros(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000) as i64
}

/// The instant `micros` microseconds after the epoch (the epoch itself if out of range).
pub fn from_micros(micros: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub fn format_api(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_formats() {
        let at = time::macros::datetime!(2025-05-09 17:42:13.5 UTC);
        assert_eq!(from_micros(to_micros(at)), at);
        assert_eq!(format_api(at), "2025-05-09T17:42:13.500000Z");
    }
}
