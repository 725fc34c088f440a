//! The one clock of the domain: when a report was received, whether an emergency is
//! active, which period is current. The system clock in production; tests may set it,
//! so a quarter of weekly reporting can be played in seconds. (Token expiry is checked
//! against the system clock by jsonwebtoken, never this one.)

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that stays at `unix_seconds` until [`Clock::set`] moves it.
    pub fn manual(unix_seconds: i64) -> Clock {
        Clock(Some(Arc::new(AtomicI64::new(unix_seconds))))
    }

    /// Now, in unix seconds.
    pub fn now(&self) -> i64 {
        match &self.0 {
            Some(manual) => manual.load(Ordering::SeqCst),
            None => crate::db::now(),
        }
    }

    /// Moves a manual clock; does nothing to the system clock.
    pub fn set(&self, unix_seconds: i64) {
        if let Some(manual) = &self.0 {
            manual.store(unix_seconds, Ordering::SeqCst);
        }
    }

    pub fn timestamp(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_second(self.now()).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }
}
