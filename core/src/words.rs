//! Closed sets of words the domain knows (a report's status, a review's verdict, why a
//! cadre is excused): each an enum that reads and writes its snake_case word, so storage
//! and the wire carry text while the code compares variants.

/// Declares an enum of snake_case words with `ALL`, `as_str`, `Display`, `FromStr` (the
/// error names the word and the allowed ones) and serde as the word.
macro_rules! closed_set {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }

            /// Every word, for error messages and documents.
            pub fn words() -> Vec<&'static str> {
                Self::ALL.iter().map(|v| v.as_str()).collect()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::words::UnknownWord;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == text)
                    .ok_or_else(|| $crate::words::UnknownWord {
                        word: text.to_owned(),
                        allowed: Self::words(),
                    })
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::words::UnknownWord;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                text.parse()
            }
        }
    };
}

/// A word outside its closed set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown word {word:?}: expected one of {allowed:?}")]
pub struct UnknownWord {
    pub word: String,
    pub allowed: Vec<&'static str>,
}

closed_set! {
    /// Where a report stands with its reviewers. There is no score.
    ReportStatus {
        /// Received (first or revised), not reviewed since.
        Submitted = "submitted",
        Acknowledged = "acknowledged",
        /// A reviewer asked a question; the cadre's next revision answers it.
        NeedsClarification = "needs_clarification",
    }
}

closed_set! {
    /// A reviewer's verdict on one revision: an acknowledgement or one question.
    Verdict {
        Acknowledged = "acknowledged",
        NeedsClarification = "needs_clarification",
    }
}

impl From<Verdict> for ReportStatus {
    fn from(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Acknowledged => ReportStatus::Acknowledged,
            Verdict::NeedsClarification => ReportStatus::NeedsClarification,
        }
    }
}

closed_set! {
    /// Why a cadre is excused for a date range: the periods it touches are exempt.
    ExemptionKind {
        Leave = "leave",
        Sickness = "sickness",
        Training = "training",
        DisasterDuty = "disaster_duty",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_unknown_ones_name_the_allowed() {
        for status in ReportStatus::ALL {
            assert_eq!(status.as_str().parse::<ReportStatus>(), Ok(*status));
            assert_eq!(
                serde_json::to_string(status).unwrap(),
                format!("\"{status}\"")
            );
        }
        let err = "late".parse::<ReportStatus>().unwrap_err();
        assert_eq!(
            err.allowed,
            ["submitted", "acknowledged", "needs_clarification"]
        );
        assert_eq!(
            ExemptionKind::try_from("disaster_duty".to_owned()),
            Ok(ExemptionKind::DisasterDuty)
        );
        assert_eq!(
            ReportStatus::from(Verdict::NeedsClarification),
            ReportStatus::NeedsClarification
        );
    }
}
