//! The label set of a suite: an ordered list of class names, indexed everywhere by position.

use serde::{Deserialize, Serialize};

/// An ordered, duplicate-free set of class labels. Index `i` is the `i`-th label everywhere in
/// tonebench: confusion rows and columns, probability vectors, per-class tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct LabelSet {
    names: Vec<String>,
}

/// Why a list of names is not a label set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelSetError {
    #[error("the label set is empty")]
    Empty,
    #[error("the label set needs at least two labels, got only \"{0}\"")]
    Single(String),
    #[error("label \"{0}\" appears twice in the label set")]
    Duplicate(String),
    #[error("the label set contains an empty label")]
    Blank,
    #[error("{0}")]
    TooMany(crate::limits::LimitError),
}

impl LabelSet {
    pub fn new(names: Vec<String>) -> Result<Self, LabelSetError> {
        match names.len() {
            0 => return Err(LabelSetError::Empty),
            1 => return Err(LabelSetError::Single(names[0].clone())),
            n => crate::limits::at_most("the number of labels", n, crate::limits::LABELS)
                .map_err(LabelSetError::TooMany)?,
        }
        for (i, n) in names.iter().enumerate() {
            if n.trim().is_empty() {
                return Err(LabelSetError::Blank);
            }
            if names[..i].contains(n) {
                return Err(LabelSetError::Duplicate(n.clone()));
            }
        }
        Ok(LabelSet { names })
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    pub fn name(&self, index: usize) -> &str {
        &self.names[index]
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The labels joined for an error message: `negative, neutral, positive` (the first
    /// [`crate::text::LISTED`], then how many more).
    pub fn listing(&self) -> String {
        crate::text::listing(&self.names)
    }
}

impl TryFrom<Vec<String>> for LabelSet {
    type Error = LabelSetError;
    fn try_from(names: Vec<String>) -> Result<Self, Self::Error> {
        LabelSet::new(names)
    }
}

impl From<LabelSet> for Vec<String> {
    fn from(l: LabelSet) -> Self {
        l.names
    }
}
