//! Integer resource vectors.
//!
//! Every scalar resource is kept as an `i64` count of thousandths of its
//! unit (milli-cpus, thousandths of a MiB, ...). Mesos stores scalars as
//! doubles but does all arithmetic in the same fixed point (three decimal
//! places, `src/common/values.cpp`), so integer thousandths reproduce its
//! sums exactly, and [`to_mesos_f64`] reproduces its doubles bit for bit.

/// How many distinct scalar resource names one scenario may use.
/// Index 0..4 are always cpus, mem, disk, gpus; the rest are custom names.
pub const MAX_RES: usize = 8;
/// Indices of the four well-known resources.
pub const CPUS: usize = 0;
pub const MEM: usize = 1;
pub const DISK: usize = 2;
pub const GPUS: usize = 3;
/// The fixed-point scale: 1 unit = 1000 thousandths.
pub const SCALE: i64 = 1000;

/// A vector of scalar quantities in thousandths, indexed by resource id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Res(pub [i64; MAX_RES]);

impl std::fmt::Debug for Res {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Res{:?}", &self.0)
    }
}

impl Res {
    pub const ZERO: Res = Res([0; MAX_RES]);

    /// True when every quantity is zero (Mesos's `Resources::empty()` for
    /// scalars: zero-valued entries are dropped there).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&v| v == 0)
    }

    /// Componentwise `self >= other` (Mesos's `contains` on quantities).
    #[inline]
    pub fn contains(&self, other: &Res) -> bool {
        self.0.iter().zip(other.0.iter()).all(|(a, b)| a >= b)
    }

    #[inline]
    pub fn add(&mut self, other: &Res) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += b;
        }
    }

    #[inline]
    pub fn sub(&mut self, other: &Res) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a -= b;
        }
    }

    #[inline]
    pub fn plus(mut self, other: &Res) -> Res {
        self.add(other);
        self
    }

    #[inline]
    pub fn minus(mut self, other: &Res) -> Res {
        self.sub(other);
        self
    }

    /// Componentwise subtraction clamped at zero (Mesos's
    /// `ResourceQuantities::operator-`, which drops non-positive results).
    #[inline]
    pub fn minus_clamped(mut self, other: &Res) -> Res {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a = (*a - b).max(0);
        }
        self
    }

    /// Componentwise minimum.
    #[inline]
    pub fn min(mut self, other: &Res) -> Res {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a = (*a).min(*b);
        }
        self
    }

    /// How many whole copies of `unit` fit in `self` (u64::MAX when `unit`
    /// is all zero).
    #[inline]
    pub fn fits_times(&self, unit: &Res) -> u64 {
        let mut n = u64::MAX;
        for (a, u) in self.0.iter().zip(unit.0.iter()) {
            if *u > 0 {
                let k = if *a <= 0 { 0 } else { (*a / *u) as u64 };
                n = n.min(k);
            }
        }
        n
    }

    /// `self * k`.
    #[inline]
    pub fn times(mut self, k: i64) -> Res {
        for a in self.0.iter_mut() {
            *a *= k;
        }
        self
    }

    /// True if no quantity is negative.
    #[inline]
    pub fn non_negative(&self) -> bool {
        self.0.iter().all(|&v| v >= 0)
    }

    /// Mesos's `shrinkResources(resources, targets)` on unreserved scalars:
    /// each quantity is cut to its target; a name absent from the target
    /// (None) is left alone.
    #[inline]
    pub fn shrink_to(mut self, target: &Limits) -> Res {
        for (i, a) in self.0.iter_mut().enumerate() {
            if let Some(t) = target.0[i] {
                *a = (*a).min(t.max(0));
            }
        }
        self
    }
}

/// Per-resource optional limits (a quota limit names only some resources;
/// the others are unlimited).
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct Limits(pub [Option<i64>; MAX_RES]);

impl Limits {
    pub const NONE: Limits = Limits([None; MAX_RES]);

    pub fn is_none(&self) -> bool {
        self.0.iter().all(|v| v.is_none())
    }

    /// `limits - consumed`, as Mesos's `ResourceLimits - ResourceQuantities`:
    /// the named limits minus what is consumed, floored at zero.
    pub fn minus(&self, consumed: &Res) -> Limits {
        let mut out = *self;
        for (i, v) in out.0.iter_mut().enumerate() {
            if let Some(l) = v {
                *l = (*l - consumed.0[i]).max(0);
            }
        }
        out
    }

    /// Limits on the resources that `named` marks; the others unlimited.
    pub fn from_named(values: &Res, named: &[bool; MAX_RES]) -> Limits {
        let mut out = Limits::NONE;
        for (i, slot) in out.0.iter_mut().enumerate() {
            if named[i] {
                *slot = Some(values.0[i]);
            }
        }
        out
    }
}

/// Mesos's conversion from fixed point to double (`convertToFloating` in
/// `src/common/values.cpp`): integer part and the thousandths separately,
/// so that shares computed from these doubles match Mesos bit for bit.
#[inline]
pub fn to_mesos_f64(thousandths: i64) -> f64 {
    let quotient = (thousandths / SCALE) as f64;
    let remainder = (thousandths % SCALE) as f64 / 1000.0;
    quotient + remainder
}

/// The unweighted dominant share of `alloc` in `total`: the largest
/// `alloc / total` over resources with a positive total, in Mesos's doubles
/// (`DRFSorter::calculateShare`).
#[inline]
pub fn dominant_share(alloc: &Res, total: &Res) -> f64 {
    let mut share = 0.0f64;
    for i in 0..MAX_RES {
        let t = total.0[i];
        if t <= 0 {
            continue;
        }
        share = share.max(to_mesos_f64(alloc.0[i]) / to_mesos_f64(t));
    }
    share
}

/// Formats thousandths as a decimal without trailing zeros (`0.5`, `4096`).
pub fn format_thousandths(v: i64) -> String {
    let neg = v < 0;
    let a = v.unsigned_abs();
    let int = a / 1000;
    let frac = a % 1000;
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    s.push_str(&int.to_string());
    if frac != 0 {
        let f = format!("{:03}", frac);
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    s
}

/// Parses a non-negative decimal amount given as f64 (from TOML) into
/// thousandths, as Mesos does (`llround(value * 1000)`). Returns None when
/// negative, not finite or too large.
pub fn thousandths_from_f64(v: f64) -> Option<i64> {
    if !v.is_finite() || !(0.0..=9.0e12).contains(&v) {
        return None;
    }
    Some((v * 1000.0).round() as i64)
}

/// The resource names of one scenario: index -> name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceNames {
    names: Vec<String>,
}

impl Default for ResourceNames {
    fn default() -> Self {
        ResourceNames {
            names: vec!["cpus".into(), "mem".into(), "disk".into(), "gpus".into()],
        }
    }
}

impl ResourceNames {
    pub fn len(&self) -> usize {
        self.names.len()
    }
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
    pub fn name(&self, i: usize) -> &str {
        &self.names[i]
    }
    pub fn names(&self) -> &[String] {
        &self.names
    }
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
    /// Index of `name`, adding it if new. Err when the table is full.
    pub fn intern(&mut self, name: &str) -> Result<usize, String> {
        if let Some(i) = self.index(name) {
            return Ok(i);
        }
        if self.names.len() >= MAX_RES {
            return Err(format!(
                "too many resource names: at most {} (cpus, mem, disk, gpus and {} custom ones)",
                MAX_RES,
                MAX_RES - 4
            ));
        }
        self.names.push(name.to_string());
        Ok(self.names.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mesos_float_conversion_matches_values_cpp() {
        // 0.01 cpus is 10 thousandths; Mesos gives 0 + 10/1000.0.
        assert_eq!(to_mesos_f64(10), 0.01);
        assert_eq!(to_mesos_f64(1500), 1.5);
        assert_eq!(to_mesos_f64(4_096_000), 4096.0);
    }

    #[test]
    fn formatting_drops_trailing_zeros() {
        assert_eq!(format_thousandths(500), "0.5");
        assert_eq!(format_thousandths(4_096_000), "4096");
        assert_eq!(format_thousandths(10), "0.01");
        assert_eq!(format_thousandths(0), "0");
        assert_eq!(format_thousandths(1234), "1.234");
    }

    #[test]
    fn fits_times_counts_whole_tasks() {
        let mut a = Res::ZERO;
        a.0[CPUS] = 9000;
        a.0[MEM] = 18_000_000;
        let mut t = Res::ZERO;
        t.0[CPUS] = 3000;
        t.0[MEM] = 1_000_000;
        // 9 cpus / 3 = 3 tasks; 18 GB / 1 GB = 18: cpus bind.
        assert_eq!(a.fits_times(&t), 3);
    }
}
