//! Duration strings: `"250ms"`, `"1.5s"`, `"3d"`, and `"forever"` where a
//! key allows it.
//!
//! The grammar is `^(\d+(\.\d+)?)(us|ms|s|m|h|d)$`, the same as the Mesos
//! replay oracle's (which lacks only `us`). The number is converted with
//! exact decimal arithmetic, never through f64, because virtual time is an
//! integer count of microseconds and `"0.1s"` must be exactly 100000 and
//! not 99999.

use sim::spec::Micros;

/// Why a duration string was rejected; the message is shown after the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationError(pub String);

impl std::fmt::Display for DurationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DurationError {}

const UNITS: [(&str, u128); 6] = [
    ("us", 1),
    ("ms", 1_000),
    ("s", 1_000_000),
    ("m", 60_000_000),
    ("h", 3_600_000_000),
    ("d", 86_400_000_000),
];

/// Parses a finite duration into whole microseconds.
pub fn parse_duration(s: &str) -> Result<Micros, DurationError> {
    if s == "forever" {
        return Err(DurationError("\"forever\" is not allowed here".into()));
    }
    let bad = || {
        DurationError(format!(
            "bad duration {s:?}: expected a number and a unit (us, ms, s, m, h or d), \
             e.g. \"250ms\", \"5s\", \"10m\""
        ))
    };
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(bad)?;
    let (num, unit) = s.split_at(split);
    let scale = UNITS
        .iter()
        .find(|(u, _)| *u == unit)
        .map(|(_, k)| *k)
        .ok_or_else(bad)?;
    let (int_part, frac_part) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    let digits_ok = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if !digits_ok(int_part) || (num.contains('.') && !digits_ok(frac_part)) {
        return Err(bad());
    }
    let too_large = || DurationError(format!("duration {s:?} is too large"));
    // value = (int_part . frac_part) * scale = (int_part * 10^k + frac) * scale / 10^k
    // computed in u128 with overflow checks; whole microseconds only.
    let k = u32::try_from(frac_part.len()).map_err(|_| too_large())?;
    let pow = 10u128.checked_pow(k).ok_or_else(too_large)?;
    let int: u128 = int_part.parse().map_err(|_| too_large())?;
    let frac: u128 = if frac_part.is_empty() {
        0
    } else {
        frac_part.parse().map_err(|_| too_large())?
    };
    let numer = int
        .checked_mul(pow)
        .and_then(|v| v.checked_add(frac))
        .and_then(|v| v.checked_mul(scale))
        .ok_or_else(too_large)?;
    if numer % pow != 0 {
        return Err(DurationError(format!(
            "{s:?} is not a whole number of microseconds"
        )));
    }
    Micros::try_from(numer / pow).map_err(|_| too_large())
}

/// Like [`parse_duration`], but `"forever"` is accepted and gives None.
pub fn parse_duration_or_forever(s: &str) -> Result<Option<Micros>, DurationError> {
    if s == "forever" {
        return Ok(None);
    }
    parse_duration(s).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_decimals() {
        assert_eq!(parse_duration("250ms"), Ok(250_000));
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000));
        assert_eq!(parse_duration("0.1s"), Ok(100_000));
        assert_eq!(parse_duration("7us"), Ok(7));
        assert_eq!(parse_duration("0s"), Ok(0));
        assert_eq!(parse_duration("10m"), Ok(600_000_000));
        assert_eq!(parse_duration("2h"), Ok(7_200_000_000));
        assert_eq!(parse_duration("3d"), Ok(259_200_000_000));
        assert_eq!(parse_duration("0.000001s"), Ok(1));
        assert_eq!(parse_duration("1.50000s"), Ok(1_500_000));
    }

    #[test]
    fn rejects_bad_forms() {
        for s in [
            "", "5", "s", "5 s", "-5s", "+5s", ".5s", "5.s", "1e3s", "5sec", "5S", "1.2.3s", " 5s",
            "5s ",
        ] {
            let e = parse_duration(s).unwrap_err();
            assert!(e.0.starts_with("bad duration"), "{s:?}: {e}");
        }
        assert_eq!(
            parse_duration("0.5us").unwrap_err().0,
            "\"0.5us\" is not a whole number of microseconds"
        );
        assert_eq!(
            parse_duration("0.0000001s").unwrap_err().0,
            "\"0.0000001s\" is not a whole number of microseconds"
        );
        assert!(parse_duration("99999999999999999999999d")
            .unwrap_err()
            .0
            .contains("too large"));
    }

    #[test]
    fn forever_only_where_allowed() {
        assert_eq!(parse_duration_or_forever("forever"), Ok(None));
        assert_eq!(parse_duration_or_forever("1s"), Ok(Some(1_000_000)));
        assert_eq!(
            parse_duration("forever").unwrap_err().0,
            "\"forever\" is not allowed here"
        );
    }
}
