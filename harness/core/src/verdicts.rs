//! The verdicts of one gate run and what they decide together.

use crate::gate::{Status, Verdict};

/// Whether the release may ship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every verdict passed.
    Pass,
    /// A gate failed.
    Fail,
    /// A rule could not be evaluated.
    Unevaluated,
}

/// The verdicts of a gate run, and the baseline its comparisons used.
#[derive(Debug, Clone, PartialEq)]
pub struct GateRun {
    pub verdicts: Vec<Verdict>,
    pub baseline: Option<String>,
}

impl GateRun {
    /// An unevaluated rule outweighs a failed one, which outweighs any number of passes.
    pub fn outcome(&self) -> Outcome {
        if self.verdicts.iter().any(|v| v.status == Status::Error) {
            Outcome::Unevaluated
        } else if self.verdicts.iter().any(|v| v.status == Status::Fail) {
            Outcome::Fail
        } else {
            Outcome::Pass
        }
    }

    /// How many verdicts have status `s`.
    pub fn count(&self, s: Status) -> usize {
        self.verdicts.iter().filter(|v| v.status == s).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(status: Status) -> Verdict {
        Verdict {
            status,
            ..Verdict::unevaluated("r".into(), None, "b".into(), "w".into())
        }
    }

    #[test]
    fn an_error_outweighs_a_failure_which_outweighs_passes() {
        let run = |s: &[Status]| GateRun {
            verdicts: s.iter().map(|&s| v(s)).collect(),
            baseline: None,
        };
        assert_eq!(run(&[]).outcome(), Outcome::Pass);
        assert_eq!(run(&[Status::Pass, Status::Pass]).outcome(), Outcome::Pass);
        assert_eq!(run(&[Status::Pass, Status::Fail]).outcome(), Outcome::Fail);
        assert_eq!(
            run(&[Status::Fail, Status::Error, Status::Pass]).outcome(),
            Outcome::Unevaluated
        );
        assert_eq!(run(&[Status::Fail, Status::Fail]).count(Status::Fail), 2);
    }
}
