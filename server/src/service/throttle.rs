//! Sign-in throttling (token buckets, in this node's memory): each account may try a few
//! times and then once every [`ACCOUNT_EVERY`]; each client address a few dozen times and
//! then once a second. Every attempt counts, right or wrong, and is counted before any
//! password work is done, so guessing costs the server nothing past the limit.

use super::{Error, Result};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// Attempts an account may make at once, and how often after that.
pub const ACCOUNT_BURST: u32 = 5;
pub const ACCOUNT_EVERY: Duration = Duration::from_secs(30);
/// Attempts one client address may make at once (a county office behind one address),
/// and how often after that.
pub const ADDRESS_BURST: u32 = 60;
pub const ADDRESS_EVERY: Duration = Duration::from_secs(1);
/// Keys kept before the ones back at a full bucket are dropped.
const PRUNE_FROM: usize = 10_000;

#[derive(Debug)]
pub struct Throttle {
    accounts: DefaultKeyedRateLimiter<String>,
    addresses: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

fn quota(every: Duration, burst: u32) -> Quota {
    Quota::with_period(every)
        .expect("a non-zero period")
        .allow_burst(NonZeroU32::new(burst).expect("a non-zero burst"))
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            accounts: DefaultKeyedRateLimiter::keyed(quota(ACCOUNT_EVERY, ACCOUNT_BURST)),
            addresses: DefaultKeyedRateLimiter::keyed(quota(ADDRESS_EVERY, ADDRESS_BURST)),
            clock: DefaultClock::default(),
        }
    }
}

impl Throttle {
    /// Counts one sign-in attempt for `username` from `from`; refused with the seconds to
    /// wait when either has no attempt left.
    pub fn attempt(&self, username: &str, from: Option<IpAddr>) -> Result<()> {
        if self.accounts.len() > PRUNE_FROM {
            self.accounts.retain_recent();
        }
        if self.addresses.len() > PRUNE_FROM {
            self.addresses.retain_recent();
        }
        if let Some(address) = from {
            self.addresses
                .check_key(&address)
                .map_err(|until| self.refusal(&until))?;
        }
        self.accounts
            .check_key(&username.trim().to_lowercase())
            .map_err(|until| self.refusal(&until))
    }

    fn refusal(&self, until: &governor::NotUntil<<DefaultClock as Clock>::Instant>) -> Error {
        let wait = until.wait_time_from(self.clock.now());
        Error::TooManyAttempts {
            retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_gets_a_few_tries_then_waits() {
        let throttle = Throttle::default();
        let here = Some("192.0.2.1".parse().unwrap());
        for _ in 0..ACCOUNT_BURST {
            assert!(throttle.attempt("wang.li", here).is_ok());
        }
        match throttle.attempt(" Wang.Li ", here) {
            Err(Error::TooManyAttempts { retry_after }) => {
                assert!(
                    (1..=ACCOUNT_EVERY.as_secs()).contains(&retry_after),
                    "{retry_after}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(
            throttle.attempt("zhang.wei", here).is_ok(),
            "another account"
        );
    }

    #[test]
    fn an_address_gets_a_few_dozen_tries() {
        let throttle = Throttle::default();
        let here = Some("192.0.2.2".parse().unwrap());
        for n in 0..ADDRESS_BURST {
            assert!(throttle.attempt(&format!("user{n}"), here).is_ok());
        }
        assert!(throttle.attempt("one.more", here).is_err());
        assert!(
            throttle
                .attempt("one.more", Some("192.0.2.3".parse().unwrap()))
                .is_ok()
        );
    }
}
