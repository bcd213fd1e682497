//! The fault modes of the book's test servers, decided by seeded dice so that a run can
//! be repeated: LOCAL (none), DELAY (every response late) and ERROR (a quarter of the
//! responses fail, half of them late).
//!
//! This module only decides; the server (module `server`) carries the decisions out
//! (sleeps, answers with the status, or drops the connection).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// The three behaviours of the flag site, named as the downloaders' `-s` option names them.
///
/// ```
/// use flagsite::faults::Mode;
/// assert_eq!("delay".parse::<Mode>(), Ok(Mode::Delay));
/// assert_eq!(Mode::Error.to_string(), "ERROR");
/// assert!("REMOTE".parse::<Mode>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// No faults: every file at once.
    Local,
    /// Every response delayed.
    Delay,
    /// Some responses are errors (a 5xx status or a dropped connection), some delayed.
    Error,
}

impl Mode {
    /// The three modes, in the order the flag server opens their ports.
    ///
    /// ```
    /// assert_eq!(flagsite::faults::Mode::ALL.len(), 3);
    /// ```
    pub const ALL: [Mode; 3] = [Mode::Local, Mode::Delay, Mode::Error];

    /// The label, upper case: `LOCAL`, `DELAY` or `ERROR`.
    ///
    /// ```
    /// assert_eq!(flagsite::faults::Mode::Local.label(), "LOCAL");
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            Mode::Local => "LOCAL",
            Mode::Delay => "DELAY",
            Mode::Error => "ERROR",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Mode {
    type Err = String;

    /// Case-insensitive: `local`, `Delay`, `ERROR`.
    fn from_str(s: &str) -> Result<Mode, String> {
        match s.to_ascii_uppercase().as_str() {
            "LOCAL" => Ok(Mode::Local),
            "DELAY" => Ok(Mode::Delay),
            "ERROR" => Ok(Mode::Error),
            _ => Err(format!("unknown site mode {s:?}")),
        }
    }
}

/// How a site misbehaves: the rates and the delay, and the seed of the dice.
///
/// ```
/// use flagsite::faults::{Faults, Mode};
/// use std::time::Duration;
///
/// let faults = Faults::for_mode(Mode::Error);
/// assert_eq!(faults.error_rate, 0.25);
/// assert_eq!(faults.delay_rate, 0.5);
/// assert_eq!(faults.delay, Duration::from_millis(500));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Faults {
    /// How long a delayed response waits before it is sent.
    pub delay: Duration,
    /// The fraction of responses that are delayed, from 0 to 1.
    pub delay_rate: f64,
    /// The fraction of responses that fail, from 0 to 1.
    pub error_rate: f64,
    /// The seed of the dice: the same seed gives the same sequence of decisions.
    pub seed: u64,
}

/// The book's delay: half a second.
///
/// ```
/// use flagsite::faults::{Faults, Mode, DEFAULT_DELAY};
/// assert_eq!(Faults::for_mode(Mode::Delay).delay, DEFAULT_DELAY);
/// ```
pub const DEFAULT_DELAY: Duration = Duration::from_millis(500);
/// The book's ERROR server fails a quarter of the requests.
///
/// ```
/// use flagsite::faults::{Faults, Mode, DEFAULT_ERROR_RATE};
/// assert_eq!(Faults::for_mode(Mode::Error).error_rate, DEFAULT_ERROR_RATE);
/// ```
pub const DEFAULT_ERROR_RATE: f64 = 0.25;
/// The book's ERROR server also delays half of its answers.
///
/// ```
/// use flagsite::faults::{Faults, Mode, ERROR_MODE_DELAY_RATE};
/// assert_eq!(Faults::for_mode(Mode::Error).delay_rate, ERROR_MODE_DELAY_RATE);
/// ```
pub const ERROR_MODE_DELAY_RATE: f64 = 0.5;
/// The seed of the dice when none is given.
///
/// ```
/// use flagsite::faults::{Faults, DEFAULT_SEED};
/// assert_eq!(Faults::none().seed, DEFAULT_SEED);
/// ```
pub const DEFAULT_SEED: u64 = 0x0F1A_65EE_D000_0001;

impl Faults {
    /// No faults at all.
    ///
    /// ```
    /// let none = flagsite::faults::Faults::none();
    /// assert_eq!((none.error_rate, none.delay_rate), (0.0, 0.0));
    /// ```
    pub fn none() -> Faults {
        Faults {
            delay: DEFAULT_DELAY,
            delay_rate: 0.0,
            error_rate: 0.0,
            seed: DEFAULT_SEED,
        }
    }

    /// The book's behaviour for `mode`: LOCAL none; DELAY every response 0.5 s late;
    /// ERROR 25% errors and 50% delayed by 0.5 s (independently).
    ///
    /// ```
    /// use flagsite::faults::{Faults, Mode};
    /// assert_eq!(Faults::for_mode(Mode::Delay).delay_rate, 1.0);
    /// ```
    pub fn for_mode(mode: Mode) -> Faults {
        let none = Faults::none();
        match mode {
            Mode::Local => none,
            Mode::Delay => Faults {
                delay_rate: 1.0,
                ..none
            },
            Mode::Error => Faults {
                delay_rate: ERROR_MODE_DELAY_RATE,
                error_rate: DEFAULT_ERROR_RATE,
                ..none
            },
        }
    }
}

/// What goes wrong with one response.
///
/// ```
/// use flagsite::faults::Fault;
/// assert_eq!(Fault::Status(503).to_string(), "503");
/// assert_eq!(Fault::Drop.to_string(), "dropped connection");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status (500, 501, 502 or 503) instead of the file.
    Status(u16),
    /// Close the connection without answering.
    Drop,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Status(status) => write!(f, "{status}"),
            Fault::Drop => f.write_str("dropped connection"),
        }
    }
}

/// The decision for one response: how long to wait first, and what, if anything, fails.
///
/// ```
/// use flagsite::faults::{Decision, Dice, Faults};
/// let mut dice = Dice::new(Faults::none());
/// assert_eq!(dice.roll(), Decision { delay: None, fault: None });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Sleep this long before answering (or before dropping the connection).
    pub delay: Option<Duration>,
    /// Fail this way instead of serving the file.
    pub fault: Option<Fault>,
}

/// The failures to pick from, equally likely: the book's four 5xx statuses and a drop.
const FAULTS: [Fault; 5] = [
    Fault::Status(500),
    Fault::Status(501),
    Fault::Status(502),
    Fault::Status(503),
    Fault::Drop,
];

/// Seeded dice that decide each response's fate.
///
/// ```
/// use flagsite::faults::{Dice, Faults, Mode};
/// let mut a = Dice::new(Faults::for_mode(Mode::Error));
/// let mut b = Dice::new(Faults::for_mode(Mode::Error));
/// for _ in 0..100 {
///     assert_eq!(a.roll(), b.roll()); // same seed, same story
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Dice {
    faults: Faults,
    /// xorshift64* state: small, fast, and the same on every platform.
    state: u64,
}

impl Dice {
    /// Dice for `faults`, seeded with `faults.seed`.
    ///
    /// ```
    /// let dice = flagsite::faults::Dice::new(flagsite::faults::Faults::none());
    /// assert_eq!(dice.faults().error_rate, 0.0);
    /// ```
    pub fn new(faults: Faults) -> Dice {
        Dice {
            faults,
            // Mixed so that nearby seeds (1, 2, 3) do not start nearby sequences.
            state: (faults.seed ^ 0x9E37_79B9_7F4A_7C15).wrapping_mul(0xBF58_476D_1CE4_E5B9) | 1,
        }
    }

    /// The faults these dice play.
    ///
    /// ```
    /// use flagsite::faults::{Dice, Faults, Mode};
    /// assert_eq!(Dice::new(Faults::for_mode(Mode::Delay)).faults().delay_rate, 1.0);
    /// ```
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A uniform number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Decides the next response. A rate of 0 never fires and a rate of 1 always does.
    ///
    /// ```
    /// use flagsite::faults::{Dice, Faults, Mode};
    /// let mut dice = Dice::new(Faults::for_mode(Mode::Delay));
    /// assert!(dice.roll().delay.is_some());
    /// ```
    pub fn roll(&mut self) -> Decision {
        let fault = if self.unit() < self.faults.error_rate {
            Some(FAULTS[(self.next() % FAULTS.len() as u64) as usize])
        } else {
            None
        };
        let delay = (self.unit() < self.faults.delay_rate).then_some(self.faults.delay);
        Decision { delay, fault }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_mode_rates_are_about_right_and_every_fault_occurs() {
        let mut dice = Dice::new(Faults::for_mode(Mode::Error));
        let (mut errors, mut delays) = (0, 0);
        let mut kinds = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let d = dice.roll();
            if let Some(fault) = d.fault {
                errors += 1;
                kinds.insert(fault.to_string());
            }
            delays += usize::from(d.delay.is_some());
        }
        assert!(
            (2_200..2_800).contains(&errors),
            "{errors} errors in 10,000"
        );
        assert!(
            (4_700..5_300).contains(&delays),
            "{delays} delays in 10,000"
        );
        assert_eq!(kinds.len(), 5, "{kinds:?}");
    }

    #[test]
    fn local_never_fails_and_delay_always_waits() {
        let mut local = Dice::new(Faults::for_mode(Mode::Local));
        let mut delay = Dice::new(Faults::for_mode(Mode::Delay));
        for _ in 0..1_000 {
            assert_eq!(
                local.roll(),
                Decision {
                    delay: None,
                    fault: None
                }
            );
            assert_eq!(
                delay.roll(),
                Decision {
                    delay: Some(DEFAULT_DELAY),
                    fault: None
                }
            );
        }
    }

    #[test]
    fn seeds_change_the_story() {
        let faults = Faults::for_mode(Mode::Error);
        let mut a = Dice::new(Faults { seed: 1, ..faults });
        let mut b = Dice::new(Faults { seed: 2, ..faults });
        let a: Vec<_> = (0..64).map(|_| a.roll()).collect();
        let b: Vec<_> = (0..64).map(|_| b.roll()).collect();
        assert_ne!(a, b);
    }
}
