//! The report's warning when a suite declares a `training` set that shares speakers with it.

use tonebench_core::report::{Warning, WarningCode};

use crate::input::suite::Suite;

/// `training_speakers_shared` when the suite's declared training set shares speakers with it.
pub fn training_warning(suite: &Suite) -> anyhow::Result<Option<Warning>> {
    let Some((path, shared)) = crate::corpus::check::declared_overlap(suite)? else {
        return Ok(None);
    };
    if shared.is_empty() {
        return Ok(None);
    }
    const SHOWN: usize = 5;
    let mut names = shared
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if shared.len() > SHOWN {
        names.push_str(&format!(" and {} more", shared.len() - SHOWN));
    }
    Ok(Some(Warning {
        code: WarningCode::TrainingSpeakersShared,
        metric: None,
        message: format!(
            "{} speaker{} of this suite {} also in its declared training set {} ({names}): the scores are not speaker-independent",
            shared.len(),
            if shared.len() == 1 { "" } else { "s" },
            if shared.len() == 1 { "is" } else { "are" },
            path.display()
        ),
    }))
}
